import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Principal } from './access.decorator';

/** The authenticated caller (undefined on public routes called anonymously). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal | undefined => {
  return (ctx.switchToHttp().getRequest() as { principal?: Principal }).principal;
});

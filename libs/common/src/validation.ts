import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage } from 'class-validator';
import { CommonError, FieldProblem } from './domain-error';

type Ctor = new (...args: never[]) => unknown;
const isPlainObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * class-validator's @ValidateNested accepts an array where an object is expected (`{"pools":[[]]}`
 * passes as an empty nested array). Every nested DTO property must hold objects: refuse anything
 * else before transformation, naming the field.
 */
function checkNestedShapes(value: unknown, type: Ctor, path: string, depth = 0): void {
  if (!isPlainObject(value) || depth > 8) return;
  const nested = getMetadataStorage()
    .getTargetValidationMetadatas(type, '', true, false)
    .filter((m) => m.type === 'nestedValidation');
  for (const m of nested) {
    const v = (value as Record<string, unknown>)[m.propertyName];
    if (v === undefined || v === null) continue;
    const field = path ? `${path}.${m.propertyName}` : m.propertyName;
    const items = m.each ? (Array.isArray(v) ? v : [v]) : [v];
    const childType = defaultMetadataStorage.findTypeMetadata(type, m.propertyName)?.typeFunction() as Ctor | undefined;
    items.forEach((item, i) => {
      const at = m.each ? `${field}[${i}]` : field;
      if (!isPlainObject(item)) throw new CommonError('validation_failed', `${at}: must be an object`, { errors: [{ field: at, problems: ['must be an object'] }] });
      if (childType) checkNestedShapes(item, childType, at, depth + 1);
    });
  }
}

class ShapeCheckingValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.metatype && typeof metadata.metatype === 'function' && isPlainObject(value)) checkNestedShapes(value, metadata.metatype as Ctor, '');
    return super.transform(value, metadata);
  }
}

function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** The one validation pipe for REST bodies, queries and params: unknown fields are refused, not dropped. */
export function createValidationPipe(): ValidationPipe {
  return new ShapeCheckingValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new CommonError('validation_failed', fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; ') || 'The request is not valid.', { errors: fields });
    },
  });
}

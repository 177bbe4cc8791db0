import type { MessageMappingProperties } from '@nestjs/websockets';
import { WsAdapter } from '@nestjs/platform-ws';
import type { Observable } from 'rxjs';

/**
 * Nest's ws adapter, minus its per-socket message pipeline on gateways without @SubscribeMessage
 * handlers (ours read their own frames): it parsed every frame a second time, threw on the missing
 * handler, and kept about 4 KB of rxjs subscribers per socket (bench/ws-fanout).
 */
export class GatewayWsAdapter extends WsAdapter {
  override bindMessageHandlers(client: unknown, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    if (handlers.length) super.bindMessageHandlers(client, handlers, transform);
  }
}

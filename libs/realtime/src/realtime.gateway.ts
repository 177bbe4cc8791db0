import { Logger } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocket } from 'ws';

export const MAX_FRAME_BYTES = 16 * 1024;

export interface ErrorFrame {
  type: 'error';
  code: 'malformed_frame' | 'unknown_type' | 'frame_too_large';
  detail: string;
  ref?: unknown;
}

/**
 * The one websocket endpoint, `/ws`. Frames are JSON objects with a `type`; a bad frame gets an error
 * frame and the connection stays open. Channels and auth arrive with the realtime issue.
 */
@WebSocketGateway({ path: '/ws', maxPayload: 1024 * 1024 })
export class RealtimeGateway implements OnGatewayConnection {
  private readonly logger = new Logger(RealtimeGateway.name);

  handleConnection(socket: WebSocket): void {
    socket.on('message', (data, isBinary) => this.onFrame(socket, data as Buffer, isBinary));
    socket.on('error', (err) => this.logger.debug({ err: err.message }, 'socket error'));
  }

  private onFrame(socket: WebSocket, data: Buffer, isBinary: boolean): void {
    if (data.length > MAX_FRAME_BYTES) {
      return this.send(socket, { type: 'error', code: 'frame_too_large', detail: `Frames are limited to ${MAX_FRAME_BYTES} bytes.` });
    }
    let frame: unknown;
    try {
      frame = isBinary ? undefined : JSON.parse(data.toString('utf8'));
    } catch {
      frame = undefined;
    }
    if (!frame || typeof frame !== 'object' || Array.isArray(frame) || typeof (frame as { type?: unknown }).type !== 'string') {
      return this.send(socket, { type: 'error', code: 'malformed_frame', detail: 'Send a JSON object with a string "type", e.g. {"type":"ping"}.' });
    }
    const { type, id } = frame as { type: string; id?: unknown };
    switch (type) {
      case 'ping':
        return this.send(socket, { type: 'pong', id, serverTime: new Date().toISOString() });
      default:
        return this.send(socket, { type: 'error', code: 'unknown_type', detail: `Unknown frame type "${type.slice(0, 64)}". Known: ping.`, ref: id });
    }
  }

  private send(socket: WebSocket, frame: object): void {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  }
}

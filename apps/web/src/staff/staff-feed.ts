import type { RealtimeMessage } from '@fanmesh/protocol';

/** The staff channel's messages, fanned out to the dashboard's panels (one socket, many listeners). */
export type StaffMessage = RealtimeMessage;
export type StaffListen = (listener: (m: StaffMessage) => void) => () => void;

export class StaffFeed {
  private readonly listeners = new Set<(m: StaffMessage) => void>();
  emit(m: StaffMessage): void {
    for (const l of this.listeners) l(m);
  }
  listen: StaffListen = (listener) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

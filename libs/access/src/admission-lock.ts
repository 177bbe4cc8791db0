import { Inject, Injectable } from '@nestjs/common';
import { Bus, BUS, RedisBus } from '@fanmesh/realtime';

const TTL_SECONDS = 36 * 3600;

/**
 * The fast first line against double admission: whoever sets the ticket's key first may go on to
 * write the admission row (which remains the truth). Redis across instances; a local map without.
 */
@Injectable()
export class AdmissionLock {
  private readonly local = new Map<string, string>();

  constructor(@Inject(BUS) private readonly bus: Bus) {}

  /** True if this caller took the ticket; otherwise the holder's note (`gateId|iso time`). */
  async take(ticketId: string, note: string): Promise<true | string> {
    if (this.bus instanceof RedisBus) {
      const key = `adm:${ticketId}`;
      const ok = await this.bus.pub.set(key, note, 'EX', TTL_SECONDS, 'NX');
      return ok === 'OK' ? true : ((await this.bus.pub.get(key)) ?? '');
    }
    const held = this.local.get(ticketId);
    if (held !== undefined) return held;
    this.local.set(ticketId, note);
    return true;
  }

  /** Gives a key back when its admission did not land (the ticket was revoked, or the write failed). */
  async release(ticketId: string, note: string): Promise<void> {
    if (this.bus instanceof RedisBus) {
      // Compare-and-delete: never release someone else's claim.
      await this.bus.pub.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`, 1, `adm:${ticketId}`, note);
      return;
    }
    if (this.local.get(ticketId) === note) this.local.delete(ticketId);
  }
}

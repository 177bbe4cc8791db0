import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { IdentityRepository, RevocationRow } from './identity.repository';

/** How often each instance reads the revocation log: a revocation elsewhere takes effect here within about this. */
export const REVOCATION_POLL_MS = 1000;
/** Rows are re-read for this long, so one whose transaction committed late is still seen. */
const OVERLAP_SECONDS = 30;
/** Longer than any access token lives (ACCESS_TOKEN_TTL is at most a day): after that a revocation has nothing left to stop. */
const RETENTION_SECONDS = 86_400 + 300;

export type Revocation = RevocationRow;

/**
 * What has been revoked lately, in memory on every instance: refresh-token families (sign-out,
 * reuse detection), sponsor keys and role grants. Access tokens name their family or key, so a
 * check is a map lookup per request; each instance reads the log every second (and learns of its
 * own revocations at once), so a revocation anywhere stops its tokens everywhere within seconds.
 */
@Injectable()
export class Revocations implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(Revocations.name);
  private readonly families = new Map<string, number>();
  private readonly keys = new Map<string, number>();
  /** subject → role as tokens carry it → when it was revoked. */
  private readonly roles = new Map<string, Map<string, number>>();
  private readonly seen = new Map<string, number>();
  private readonly listeners = new Set<(r: Revocation) => void>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private polls = 0;

  constructor(private readonly repo: IdentityRepository) {}

  async onModuleInit(): Promise<void> {
    for (const r of await this.repo.revocationsWithin(RETENTION_SECONDS)) this.apply(r, false);
    this.timer = setInterval(() => {
      this.polling ??= this.poll().finally(() => (this.polling = undefined));
    }, REVOCATION_POLL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.listeners.clear();
    await this.polling;
  }

  /** Called with every revocation this instance had not seen yet (its own at once, others' within a poll). */
  onRevoked(listener: (r: Revocation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** This instance's own revocations, effective here before the next poll. */
  record(rows: Revocation[]): void {
    for (const r of rows) this.apply(r, true);
  }

  familyRevoked(familyId: string): boolean {
    return this.families.has(familyId);
  }

  keyRevoked(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /** The roles `subject` lost after a token issued at `issuedAtMs` was made: the token must not carry them. */
  rolesRevokedSince(subject: string, issuedAtMs: number): string[] {
    const lost = this.roles.get(subject);
    if (!lost) return [];
    return [...lost].filter(([, at]) => at >= issuedAtMs).map(([role]) => role);
  }

  private async poll(): Promise<void> {
    try {
      for (const r of await this.repo.revocationsWithin(OVERLAP_SECONDS)) this.apply(r, true);
      if (++this.polls % 600 === 0) {
        this.forgetOld();
        await this.repo.pruneRevocations(2 * RETENTION_SECONDS);
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not read the revocation log; retrying');
    }
  }

  private apply(r: Revocation, notify: boolean): void {
    if (this.seen.has(r.id)) return;
    this.seen.set(r.id, r.atMs);
    if (r.kind === 'family') this.families.set(r.ref, r.atMs);
    else if (r.kind === 'sponsor_key') this.keys.set(r.ref, r.atMs);
    else if (r.subject) {
      const lost = this.roles.get(r.subject) ?? new Map<string, number>();
      lost.set(r.ref, Math.max(lost.get(r.ref) ?? 0, r.atMs));
      this.roles.set(r.subject, lost);
    }
    if (!notify) return;
    for (const listener of this.listeners) {
      try {
        listener(r);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'a revocation listener failed');
      }
    }
  }

  private forgetOld(): void {
    const horizon = Date.now() - RETENTION_SECONDS * 1000;
    for (const map of [this.families, this.keys, this.seen]) for (const [k, at] of map) if (at < horizon) map.delete(k);
    for (const [subject, lost] of this.roles) {
      for (const [role, at] of lost) if (at < horizon) lost.delete(role);
      if (!lost.size) this.roles.delete(subject);
    }
  }
}

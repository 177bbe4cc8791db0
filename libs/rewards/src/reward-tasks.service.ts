import { Injectable, Logger } from '@nestjs/common';
import { DeviceDirectory } from '@fanmesh/directory';
import { DomainEvents, Job } from '@fanmesh/events';
import { EpochRepository } from './epoch.repository';
import { EpochsService, SYSTEM } from './epochs.service';
import type { RewardFact, SensingFact } from './reward-rules';
import { RewardsError } from './rewards.error';
import { RewardsService } from './rewards.service';
import { RewardTask, RewardTaskRepository } from './reward-task.repository';

/**
 * Work the ledger's consumer queued in its delivery because it needs another context's directory,
 * which must not be read while the delivery's transaction holds a connection (the embedded database
 * has only one): a confirmed moment's presence (the fans in before it, and the owners of the sensors
 * that heard it) and an ended event's epoch
 * (the final coverage scores). Run right after the delivery commits, and every second by a job for
 * what is left (a crash, a failure, or an epoch still in flight). Each task is claimed under a row
 * lock and deleted in the transaction of its effect, so it happens once.
 */
@Injectable()
export class RewardTasksService {
  private readonly logger = new Logger(RewardTasksService.name);
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly tasks: RewardTaskRepository,
    private readonly epochRepo: EpochRepository,
    private readonly epochs: EpochsService,
    private readonly ledger: RewardsService,
    private readonly events: DomainEvents,
    private readonly devices: DeviceDirectory,
  ) {}

  /** Runs due tasks now, on this instance (after a delivery queued some). */
  kick(): void {
    void this.run().catch((err) => this.logger.warn({ err: (err as Error).message }, 'reward tasks deferred'));
  }

  @Job('rewards.tasks', { everyMs: 1000, leaseMs: 30_000 })
  async tick(): Promise<void> {
    await this.run();
  }

  /** One pass over the due tasks, oldest first; passes on one instance queue behind each other. */
  run(): Promise<void> {
    const pass = this.queue.then(() => this.pass());
    this.queue = pass.catch(() => undefined);
    return pass;
  }

  private async pass(): Promise<void> {
    // A task that fails holds back the later ones of its event, so an epoch never closes before a moment it follows is paid.
    const held = new Set<string>();
    for (const t of await this.tasks.due()) {
      if (held.has(t.eventId)) continue;
      try {
        if (t.kind === 'moment') await this.payMoment(t);
        else await this.closeEpoch(t);
      } catch (err) {
        held.add(t.eventId);
        const message = (err as Error).message ?? String(err);
        this.logger.warn({ task: t.kind, eventId: t.eventId, attempts: t.attempts + 1, err: message }, 'reward task failed; it is retried');
        await this.tasks.failed(t.id, message);
      }
    }
  }

  /** Fans admitted when the moment happened earn presence; the owners of the sensors whose spikes raised it earn for the readings. */
  private async payMoment(t: Extract<RewardTask, { kind: 'moment' }>): Promise<void> {
    const { eventId, momentId } = t.payload;
    const fans = await this.ledger.presentAt(eventId, t.payload.at);
    const sensors: SensingFact['sensors'] = [];
    for (const s of t.payload.sensors ?? []) {
      // a sensor revoked since is not paid: what it heard may be why it was revoked
      const d = await this.devices.device(s.device);
      if (d && !d.revokedAt) sensors.push({ device: s.device, owner: d.owner, weight: s.weight });
    }
    const facts: RewardFact[] = [{ type: 'moment', eventId, momentId, fans }];
    if (sensors.length) facts.push({ type: 'sensing', eventId, momentId, sensors });
    await this.tasks.transaction(async (tx) => {
      if (!(await this.tasks.claim(tx, t.id))) return;
      await this.ledger.record(facts, { tx, afterCommit: (fn) => this.events.afterCommit(tx, fn) });
      await this.tasks.done(tx, t.id);
    });
  }

  /**
   * Closes the ended event's epoch once no other epoch is in flight. The task stays until nothing of
   * the event is left outside an epoch: entries that arrive after the close go into a later epoch.
   */
  private async closeEpoch(t: Extract<RewardTask, { kind: 'close' }>): Promise<void> {
    if (await this.epochRepo.openEpoch()) return; // epochs settle one at a time: waits (not a failure)
    const scores = await this.epochs.coverageScores(t.eventId);
    const release = await this.epochs.scheduleRelease();
    await this.tasks.transaction(async (tx) => {
      if (!(await this.tasks.claim(tx, t.id))) return;
      try {
        await this.epochs.closeWithin({ tx, afterCommit: (fn) => this.events.afterCommit(tx, fn) }, t.eventId, t.payload.venueId, SYSTEM.subject, scores, release);
      } catch (err) {
        if (err instanceof RewardsError && err.code === 'nothing_to_settle') await this.tasks.done(tx, t.id);
        else if (!(err instanceof RewardsError && err.code === 'epoch_in_progress')) throw err;
      }
    });
  }
}

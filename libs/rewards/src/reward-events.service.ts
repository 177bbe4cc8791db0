import { Injectable } from '@nestjs/common';
import { DeliveryContext, DomainEvent, OnDomainEvent } from '@fanmesh/events';
import type { DropFact, RewardFact } from './reward-rules';
import { NewRewardTask, RewardTaskRepository } from './reward-task.repository';
import { RewardTasksService } from './reward-tasks.service';
import { RewardsService } from './rewards.service';

/** Everything the ledger learns from other contexts, as one stream. */
export const LEDGER_EVENTS = ['access.admitted', 'moments.confirmed', 'coverage.witness_valid', 'drops.token_granted', 'venues.event_status_changed'] as const;
type LedgerEvent = (typeof LEDGER_EVENTS)[number];

/**
 * The ledger as a consumer of domain events: admissions (and their stewards), valid witnesses and
 * sponsor token bonuses become entries, written through the delivery's transaction so entries and
 * the cursor commit together (exactly once; the ledger's idempotency keys are the second guard). A
 * confirmed moment and an event's final whistle need other contexts' directories (the fans in at
 * the moment, the final coverage scores): they are queued in the same transaction and run once it
 * has committed (RewardTasksService). One consumer, in commit order, so an epoch closes only after
 * every fact committed before the event ended is in the ledger.
 */
@Injectable()
export class RewardEventsService {
  constructor(
    private readonly ledger: RewardsService,
    private readonly taskQueue: RewardTaskRepository,
    private readonly tasks: RewardTasksService,
  ) {}

  @OnDomainEvent([...LEDGER_EVENTS], { consumer: 'rewards.ledger', batchSize: 1000 })
  async onEvents(events: DomainEvent[], ctx: DeliveryContext): Promise<void> {
    // Gate rush: a thousand admissions are one ledger transaction.
    const facts: RewardFact[] = [];
    const queued: NewRewardTask[] = [];
    for (const e of events) {
      if (is(e, 'access.admitted')) {
        const a = e.payload;
        facts.push({ type: 'admission', eventId: a.eventId, admissionId: a.admissionId, holder: a.holder, steward: a.steward });
      } else if (is(e, 'coverage.witness_valid')) {
        const w = e.payload;
        facts.push({ type: 'witness', eventId: w.eventId, witnessId: w.witnessId, fan: w.fan });
      } else if (is(e, 'drops.token_granted')) {
        const g = e.payload;
        const grant: DropFact['grants'][number] = { key: g.idempotencyKey, dropId: g.dropId, fan: g.fan, amount: BigInt(g.amount) };
        const last = facts[facts.length - 1];
        if (last?.type === 'drop' && last.eventId === g.eventId) last.grants.push(grant);
        else facts.push({ type: 'drop', eventId: g.eventId, grants: [grant] });
      } else if (is(e, 'moments.confirmed')) {
        const m = e.payload;
        queued.push({
          kind: 'moment',
          key: `moment:${m.momentId}`,
          eventId: m.eventId,
          payload: { momentId: m.momentId, eventId: m.eventId, venueId: m.venueId, at: m.at, sensors: m.sensors ?? [] },
        });
      } else if (is(e, 'venues.event_status_changed') && e.payload.to === 'ended') {
        const s = e.payload;
        queued.push({ kind: 'close', key: `close:${s.eventId}`, eventId: s.eventId, payload: { eventId: s.eventId, venueId: s.venueId } });
      }
    }
    // Facts are written before the tasks run (after this commit), whatever their order in the batch.
    if (facts.length) await this.ledger.record(facts, ctx);
    if (queued.length) {
      await this.taskQueue.add(ctx.tx, queued);
      ctx.afterCommit(() => this.tasks.kick());
    }
  }
}

const is = <K extends LedgerEvent>(e: DomainEvent, name: K): e is DomainEvent<K> => e.name === name;

import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { DomainEventMap, DomainEventName } from './domain-events';
import { DomainEventRepository } from './domain-event.repository';
import { TransactionHooks } from './transaction-hooks';

/** Wakes the local dispatcher; set by the dispatcher at boot. */
export interface Wakeable {
  /** Events of these names were committed on this instance. */
  wake(names: DomainEventName[]): void;
}

/**
 * What producers use: `emit(tx, 'access.admitted', {...})` inside the transaction that changed the
 * state. The event commits with the state change or not at all; the dispatcher is woken once the
 * transaction has committed.
 */
@Injectable()
export class DomainEvents {
  private readonly hooks: TransactionHooks;
  private dispatcher?: Wakeable;

  constructor(
    ds: DataSource,
    private readonly repo: DomainEventRepository,
  ) {
    this.hooks = TransactionHooks.install(ds);
  }

  async emit<K extends DomainEventName>(tx: EntityManager, name: K, payload: DomainEventMap[K]): Promise<void> {
    await this.emitMany(tx, name, [payload]);
  }

  async emitMany<K extends DomainEventName>(tx: EntityManager, name: K, payloads: DomainEventMap[K][]): Promise<void> {
    if (!payloads.length) return;
    if (!tx.queryRunner?.isTransactionActive) throw new Error(`emit ${name} inside a transaction: the event must commit with the state it describes`);
    await this.repo.append(tx, name, payloads);
    this.hooks.afterCommit(tx, () => this.dispatcher?.wake([name]));
  }

  /** Runs `fn` once `tx` has committed (never after a rollback): live pushes of what was written. */
  afterCommit(tx: EntityManager, fn: () => void): void {
    this.hooks.afterCommit(tx, fn);
  }

  /** @internal the dispatcher registers itself. */
  attach(dispatcher: Wakeable): void {
    this.dispatcher = dispatcher;
  }
}

import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';

const KEY = 'fanmeshAfterCommit';
type Pending = (() => void)[];

function pending(runner: QueryRunner): Pending | undefined {
  return (runner.data as Record<string, Pending | undefined>)[KEY];
}

/**
 * Runs callbacks once the transaction they were registered in has committed (and drops them on a
 * rollback). Live pushes and dispatcher wake-ups go here: they must never announce a write that
 * did not happen, and never block or fail the commit.
 */
export class TransactionHooks implements EntitySubscriberInterface {
  private readonly logger = new Logger('TransactionHooks');

  static install(ds: DataSource): TransactionHooks {
    const existing = ds.subscribers.find((s) => s instanceof TransactionHooks) as TransactionHooks | undefined;
    if (existing) return existing;
    const hooks = new TransactionHooks();
    ds.subscribers.push(hooks);
    return hooks;
  }

  /** Registers `fn` to run after `tx` commits; outside a transaction it runs at once. */
  afterCommit(tx: EntityManager, fn: () => void): void {
    const runner = tx.queryRunner;
    if (!runner || !runner.isTransactionActive) {
      this.run([fn]);
      return;
    }
    const data = runner.data as Record<string, Pending | undefined>;
    (data[KEY] ??= []).push(fn);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const runner = event.queryRunner;
    if (runner.isTransactionActive) return; // a savepoint was released; the outer transaction is still open
    const fns = pending(runner);
    if (!fns?.length) return;
    (runner.data as Record<string, Pending | undefined>)[KEY] = undefined;
    setImmediate(() => this.run(fns));
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) (event.queryRunner.data as Record<string, Pending | undefined>)[KEY] = undefined;
  }

  private run(fns: Pending): void {
    for (const fn of fns) {
      try {
        fn();
      } catch (err) {
        this.logger.error({ err: (err as Error).message }, 'an after-commit callback threw');
      }
    }
  }
}

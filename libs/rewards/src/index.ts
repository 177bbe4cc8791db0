export * from './rewards.module';
export * from './reward-rules';
export * from './rewards.error';
export * from './rewards.service';
export * from './settlement.service';
export type { EpochRow, EpochStatus, EntryRow, PoolRow } from './rewards.repository';

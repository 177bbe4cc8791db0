export * from './sensing.module';
export * from './sensing.error';
export * from './reading-rules';
export * from './readings.service';
export * from './attendance.service';
export type { SignedEnvelope, StoredReading } from '@fanmesh/directory';
export { ReadingsRepository } from './readings.repository';
export type { ReadingBatch } from './readings.repository';

export * from './moments.module';
export * from './moment.types';
export * from './moments.service';
export * from './moments.error';
export * from './attestation.service';
export * from './evidence';
export * from './feed-auth';
export * from './moment-detector';
export type { MomentRow, MomentStatus } from './moment.repository';

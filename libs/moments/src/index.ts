export * from './moments.module';
export * from './moment.types';
export * from './moments.service';
export type { MomentRow, MomentStatus } from './moment.repository';

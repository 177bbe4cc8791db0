export * from './coverage.module';
export * from './coverage.types';
export * from './coverage.service';
export * from './coverage.error';
export * from './coverage-signatures';
export * from './coverage-score';
export type { CoveragePolicy } from './coverage.repository';

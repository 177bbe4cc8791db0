export * from './polls.module';

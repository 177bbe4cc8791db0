export * from './drops.module';

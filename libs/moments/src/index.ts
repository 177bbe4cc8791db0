export * from './moments.module';

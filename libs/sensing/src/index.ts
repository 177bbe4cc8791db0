export * from './sensing.module';

export * from './bus';
export * from './bus.module';
export * from './realtime.gateway';

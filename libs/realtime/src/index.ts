export * from './bus';
export * from './bus.module';
export * from './channel-log';
export * from './channel-log.provider';
export * from './channels';
export * from './realtime.gateway';
export * from './realtime.service';
export * from './realtime.module';

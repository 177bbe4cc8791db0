export * from './devices.module';
export * from './devices.service';
export * from './device.error';
export * from './device-signatures';
export type { DeviceRow, HeartbeatSummary } from './device.repository';

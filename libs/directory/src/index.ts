export * from './venue.directory';
export * from './admission.directory';
export * from './device.directory';
export * from './readings.directory';
export * from './coverage.directory';
export * from './moment.directory';
export * from './rewards.directory';
export * from './personal-data.directory';

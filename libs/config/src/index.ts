export * from './config';
export * from './config.module';
export { WELL_KNOWN_DEV_KEYS } from './production';

export * from './moments.module';
export * from './moment.types';

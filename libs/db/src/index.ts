export * from './data-source';
export * from './pglite-pool';
export * from './db.module';
export * from './typed-query';
export * from './copy';

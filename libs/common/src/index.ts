export * from './domain-error';
export * from './problem';
export * from './problem.filter';
export * from './validation';
export * from './access.decorator';
export * from './principal.decorator';
export * from './local-secret';
export * from './batcher';

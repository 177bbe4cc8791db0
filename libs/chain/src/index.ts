export * from './anvil';
export * from './deploy';
export * from './chain.service';
export * from './chain.module';
export * from './outbox';
export * from './contracts';
export * from './merkle';
export { keccak256Long } from './keccak';
export * from './roles';

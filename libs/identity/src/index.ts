export * from './identity.module';
export * from './token.service';
export * from './access.guard';
export * from './access.audit';

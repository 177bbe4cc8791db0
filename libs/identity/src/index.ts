export * from './identity.module';
export * from './token.service';
export * from './access.guard';
export * from './access.audit';
export * from './identity.service';
export * from './identity.error';
export * from './dto/identity.dto';

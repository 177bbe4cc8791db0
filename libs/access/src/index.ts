export * from './access.module';
export * from './access.error';
export * from './ticket-codec';
export * from './ticket-signer';
export * from './gate-scan.service';
export * from './ticket.service';
export * from './recover';
export * from './merch.service';

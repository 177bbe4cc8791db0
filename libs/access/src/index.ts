export * from './access.module';
export * from './access.error';
export * from './ticket-signer';
export * from './gate-scan.service';
export * from './ticket.service';
export * from './recover';
export * from './merch.service';
export { AdmissionDirectoryService } from './admission-directory';
export type { AdmittedFan } from '@fanmesh/directory';
/**
 * @deprecated inject `AdmissionDirectory` from @fanmesh/directory (provided globally by AccessModule).
 * This alias of the implementing class stays only while a caller (polls, bench/drops) still imports it from here.
 */
export { AdmissionDirectoryService as AdmissionDirectory } from './admission-directory';

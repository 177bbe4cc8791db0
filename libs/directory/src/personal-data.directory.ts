import { SetMetadata } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * A fan's personal data crosses every context, so no context (and no kernel) gathers it by importing
 * the others. Each context that holds something about an address declares its own section with these
 * two method decorators; the events kernel's PersonalDataRegistry finds them from metadata at boot,
 * as it finds domain-event consumers and jobs, and runs them all in one transaction.
 *
 *   @PersonalDataExport('tickets')
 *   async exportFor(address: string, tx: EntityManager): Promise<PersonalDataSection> { … }
 *
 *   @PersonalDataErase('tickets')
 *   async eraseFor(address: string, tx: EntityManager): Promise<ErasureCounts> { … }
 *
 * `address` is lower-case. Every statement goes through `tx` (the embedded database has one session).
 */
export const PERSONAL_DATA_EXPORT = 'fanmesh:personal-data-export';
export const PERSONAL_DATA_ERASE = 'fanmesh:personal-data-erase';

/** One context's part of the export: plain JSON, everything it holds about the address. */
export type PersonalDataSection = Record<string, unknown>;

/**
 * What one context's erasure changed, by kind of row (`{ contactsBlanked: 2 }`). An erasure keeps
 * only the address on what the ledger or the chain needs, and removes or blanks the rest.
 */
export type ErasureCounts = Record<string, number>;

export type PersonalDataExporter = (address: string, tx: EntityManager) => Promise<PersonalDataSection>;
export type PersonalDataEraser = (address: string, tx: EntityManager) => Promise<ErasureCounts>;

/** Marks a provider method as its context's section of a fan's data export (one method per section name). */
export const PersonalDataExport = (section: string) => SetMetadata<string, string>(PERSONAL_DATA_EXPORT, section);

/** Marks a provider method as its context's part of erasing a fan's data (one method per section name). */
export const PersonalDataErase = (section: string) => SetMetadata<string, string>(PERSONAL_DATA_ERASE, section);

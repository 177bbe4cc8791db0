import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ErasureCounts, PERSONAL_DATA_ERASE, PERSONAL_DATA_EXPORT, PersonalDataEraser, PersonalDataExporter, PersonalDataSection } from '@fanmesh/directory';
import { HandlerExplorer } from './handler-explorer';

/** GET /me/data: everything held about one address, one section per context. */
export interface PersonalDataExportView {
  address: string;
  exportedAt: string;
  sections: Record<string, PersonalDataSection>;
}

/** POST /me/data/erase: what each context blanked or removed. */
export interface PersonalDataErasureView {
  address: string;
  erasedAt: string;
  sections: Record<string, ErasureCounts>;
}

/**
 * The sections declared with `@PersonalDataExport` / `@PersonalDataErase` (libs/directory), found at
 * boot. An export reads every section in one transaction (one consistent picture); an erasure runs
 * every context's part in one transaction, so a fan is never left half erased.
 */
@Injectable()
export class PersonalDataRegistry implements OnApplicationBootstrap {
  private readonly logger = new Logger(PersonalDataRegistry.name);
  private readonly exporters = new Map<string, PersonalDataExporter>();
  private readonly erasers = new Map<string, PersonalDataEraser>();

  constructor(
    private readonly explorer: HandlerExplorer,
    private readonly ds: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    for (const [key, into] of [
      [PERSONAL_DATA_EXPORT, this.exporters],
      [PERSONAL_DATA_ERASE, this.erasers],
    ] as const) {
      for (const h of this.explorer.find<string>(key)) {
        if (into.has(h.meta)) throw new Error(`two personal-data ${key === PERSONAL_DATA_EXPORT ? 'exports' : 'erasures'} for section ${h.meta}`);
        into.set(h.meta, h.call as PersonalDataExporter & PersonalDataEraser);
      }
    }
  }

  /** The section names, sorted (what a fan's export holds). */
  sections(): string[] {
    return [...this.exporters.keys()].sort();
  }

  async export(address: string): Promise<PersonalDataExportView> {
    const account = address.toLowerCase();
    const sections: Record<string, PersonalDataSection> = {};
    await this.ds.transaction('REPEATABLE READ', async (tx) => {
      for (const name of this.sections()) sections[name] = await this.exporters.get(name)!(account, tx);
    });
    this.logger.log({ account, sections: Object.keys(sections).length }, 'personal data exported');
    return { address: account, exportedAt: new Date().toISOString(), sections };
  }

  async erase(address: string): Promise<PersonalDataErasureView> {
    const account = address.toLowerCase();
    const sections: Record<string, ErasureCounts> = {};
    await this.ds.transaction(async (tx) => {
      for (const name of [...this.erasers.keys()].sort()) sections[name] = await this.erasers.get(name)!(account, tx);
    });
    this.logger.log({ account, sections }, 'personal data erased');
    return { address: account, erasedAt: new Date().toISOString(), sections };
  }
}

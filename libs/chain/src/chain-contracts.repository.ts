import type { DataSource } from 'typeorm';
import { exec, rows } from '@fanmesh/db';
import type { ContractKey, Deployment } from './deployment';

/** Which addresses our contracts have on each chain: the database and the chain must agree. */
export class ChainContractsRepository {
  constructor(private readonly ds: DataSource) {}

  async deployedOn(chainId: number): Promise<{ name: ContractKey; address: string }[]> {
    return rows<{ name: ContractKey; address: string }>(this.ds, `SELECT name, address FROM chain_contracts WHERE chain_id = $1`, [chainId]);
  }

  async add(chainId: number, name: ContractKey, address: string): Promise<void> {
    await exec(this.ds, `INSERT INTO chain_contracts (chain_id, name, address) VALUES ($1, $2, $3)`, [chainId, name, address]);
  }

  async addAll(chainId: number, deployment: Deployment): Promise<void> {
    await exec(this.ds, `INSERT INTO chain_contracts (chain_id, name, address) SELECT $1, n, a FROM unnest($2::text[], $3::text[]) AS u(n, a)`, [
      chainId,
      Object.keys(deployment),
      Object.values(deployment),
    ]);
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { exec } from '@fanmesh/db';

@Injectable()
export class JobRepository {
  constructor(private readonly ds: DataSource) {}

  async ensure(names: string[]): Promise<void> {
    if (names.length) await this.ds.query(`INSERT INTO jobs (name) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [names]);
  }

  /**
   * Claims this interval's run of a job for one instance: only one UPDATE can find it due. The
   * lease keeps it from others while it runs; a dead runner's lease simply expires.
   */
  async claim(name: string, leaseMs: number, instance: string): Promise<boolean> {
    const claimed = await exec<{ name: string }>(
      this.ds,
      `UPDATE jobs SET next_run_at = now() + make_interval(secs => $2::float8 / 1000), last_run_at = now(), last_instance = $3, runs = runs + 1
       WHERE name = $1 AND next_run_at <= now() RETURNING name`,
      [name, leaseMs, instance],
    );
    return claimed.length > 0;
  }

  /** The run is over: the next one is due an interval from now. */
  async finish(name: string, everyMs: number, error: string | null): Promise<void> {
    await this.ds.query(`UPDATE jobs SET next_run_at = now() + make_interval(secs => $2::float8 / 1000), last_error = $3 WHERE name = $1`, [name, everyMs, error]);
  }
}

import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Access } from '@fanmesh/common';
import { Bus, BUS } from '@fanmesh/realtime';
import { isEmbedded, ping } from '@fanmesh/db';
import { CHAIN_HEALTH, ChainHealth } from './chain-health';

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref())]);

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly ds: DataSource,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CHAIN_HEALTH) private readonly chain: ChainHealth,
  ) {}

  @Get()
  @Access('public')
  @ApiOperation({ summary: 'Database, bus and chain status; 503 when one is down' })
  async check(@Res({ passthrough: true }) res: Response): Promise<unknown> {
    try {
      return await this.health.check([
        () =>
          this.probe('db', async () => {
            const t0 = performance.now();
            await withTimeout(ping(this.ds), 2000, 'the database');
            return { kind: isEmbedded(this.ds) ? 'pglite' : 'postgres', latencyMs: round(performance.now() - t0) };
          }),
        () => this.probe('bus', async () => ({ kind: this.bus.kind, latencyMs: round(await withTimeout(this.bus.ping(), 2000, 'the bus')) })),
        () => this.probe('chain', () => withTimeout(this.chain.status(), 3000, 'the chain')),
      ]);
    } catch (err) {
      if (err instanceof ServiceUnavailableException) {
        res.status(503);
        return err.getResponse();
      }
      throw err;
    }
  }

  private async probe(key: string, fn: () => Promise<Record<string, unknown>>) {
    const check = this.indicator.check(key);
    try {
      return check.up(await fn());
    } catch (err) {
      return check.down({ message: (err as Error).message });
    }
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

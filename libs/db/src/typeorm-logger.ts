import { Logger as NestLogger } from '@nestjs/common';
import type { Logger, QueryRunner } from 'typeorm';

/** Sends TypeORM's errors through the app's structured logger (no parameters: they may hold personal data). */
export class DbLogger implements Logger {
  private readonly logger = new NestLogger('Database');
  logQuery(): void {}
  logQueryError(error: string | Error, query: string, _parameters?: unknown[], _qr?: QueryRunner): void {
    this.logger.debug({ err: typeof error === 'string' ? error : error.message, query: query.slice(0, 300) }, 'query failed');
  }
  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ ms: time, query: query.slice(0, 300) }, 'slow query');
  }
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    this.logger.log(message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(message);
  }
}

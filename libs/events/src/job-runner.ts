import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { JOB_HANDLER, JobMeta } from './decorators';
import { HandlerExplorer } from './handler-explorer';
import { JobRepository } from './job.repository';
import { EVENTS_OPTIONS, EventsOptions } from './events.options';

interface RegisteredJob extends JobMeta {
  run: () => Promise<unknown>;
  busy: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * Periodic work across the cluster: every instance ticks each job, and the job table lets one of
 * them run it per interval. Replaces a timer per context in every instance.
 */
@Injectable()
export class JobRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobRunner.name);
  private readonly instance = randomUUID();
  private jobs = new Map<string, RegisteredJob>();
  private running = false;

  constructor(
    private readonly repo: JobRepository,
    private readonly explorer: HandlerExplorer,
    @Inject(EVENTS_OPTIONS) private readonly options: EventsOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const h of this.explorer.find<JobMeta>(JOB_HANDLER)) {
      if (this.jobs.has(h.meta.name)) throw new Error(`two jobs are named ${h.meta.name}`);
      this.jobs.set(h.meta.name, { ...h.meta, run: () => h.call(), busy: false });
    }
    await this.repo.ensure([...this.jobs.keys()]);
    if (!this.options.dispatch) return;
    this.running = true;
    for (const job of this.jobs.values()) this.schedule(job, Math.min(job.everyMs, 200));
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    for (const job of this.jobs.values()) clearTimeout(job.timer);
  }

  /** Runs a job now on this instance, whatever the schedule (tests, an operator's "run now"). */
  async runNow(name: string): Promise<unknown> {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no job ${name}; known: ${[...this.jobs.keys()].join(', ')}`);
    return job.run();
  }

  private schedule(job: RegisteredJob, ms: number): void {
    if (!this.running) return;
    job.timer = setTimeout(() => void this.tick(job).finally(() => this.schedule(job, job.everyMs)), ms);
    job.timer.unref?.();
  }

  private async tick(job: RegisteredJob): Promise<void> {
    if (job.busy) return;
    job.busy = true;
    try {
      if (!(await this.repo.claim(job.name, job.leaseMs ?? 60_000, this.instance))) return;
      let error: string | null = null;
      try {
        await job.run();
      } catch (err) {
        error = (err as Error).message ?? String(err);
        this.logger.warn({ job: job.name, err: error }, 'job run failed; it runs again next interval');
      }
      await this.repo.finish(job.name, job.everyMs, error);
    } catch (err) {
      this.logger.warn({ job: job.name, err: (err as Error).message }, 'job tick failed');
    } finally {
      job.busy = false;
    }
  }
}

import { SetMetadata } from '@nestjs/common';
import type { DomainEventName } from './domain-events';

export const DOMAIN_EVENT_HANDLER = 'fanmesh:domain-event-handler';
export const JOB_HANDLER = 'fanmesh:job';
export const DEVICE_MESSAGE_HANDLER = 'fanmesh:device-message-handler';

export interface DomainEventHandlerOptions {
  /** The cursor's name; defaults to `ClassName.method`. Renaming it restarts delivery from the beginning. */
  consumer?: string;
  /** Most events handed over in one call (and one transaction). Default 500. */
  batchSize?: number;
}

export interface DomainEventHandlerMeta extends DomainEventHandlerOptions {
  names: DomainEventName[];
}

/**
 * Marks a provider method as a consumer of domain events: `(events, ctx) => Promise<void>`. It is
 * found at boot; every event of these names reaches it once, in commit order, inside a transaction
 * (`ctx.tx`) that also moves its cursor.
 */
export const OnDomainEvent = (names: DomainEventName | DomainEventName[], options: DomainEventHandlerOptions = {}) =>
  SetMetadata<string, DomainEventHandlerMeta>(DOMAIN_EVENT_HANDLER, { names: Array.isArray(names) ? names : [names], ...options });

export interface JobOptions {
  /** How often the job runs, across all instances together. */
  everyMs: number;
  /** How long a run may hold the job before another instance may take it over (default 60 s). */
  leaseMs?: number;
}

export interface JobMeta extends JobOptions {
  name: string;
}

/** Marks a provider method `() => Promise<unknown>` as periodic work that one instance runs each interval. */
export const Job = (name: string, options: JobOptions) => SetMetadata<string, JobMeta>(JOB_HANDLER, { name, ...options });

/**
 * Marks a provider method as the handler of one device message body type (`readings`,
 * `challenge.request`, …): `(ctx: DeviceMessageContext) => Promise<object | void>`. The devices
 * context verifies the envelope and calls it inside the transaction that advances the device's seq.
 */
export const OnDeviceMessage = (type: string) => SetMetadata<string, string>(DEVICE_MESSAGE_HANDLER, type);

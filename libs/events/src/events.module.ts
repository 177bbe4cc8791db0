import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DeviceMessageHandlers } from './device-messages';
import { DomainEventRepository } from './domain-event.repository';
import { DomainEvents } from './domain-events.service';
import { EventDispatcher } from './event-dispatcher';
import { EVENTS_OPTIONS, EventsOptions } from './events.options';
import { HandlerExplorer } from './handler-explorer';
import { JobRepository } from './job.repository';
import { JobRunner } from './job-runner';
import { PersonalDataRegistry } from './personal-data';
import { DomainEvents1765000000000 } from './migrations/1765000000000-domain-events';

/** The event kernel: the domain event log with its dispatcher, jobs, device message handlers, and the fans' personal-data sections. */
@Global()
@Module({})
export class EventsModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [DomainEvents1765000000000];

  static forRoot(options: Partial<EventsOptions> = {}): DynamicModule {
    return {
      module: EventsModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: EVENTS_OPTIONS, useValue: { dispatch: true, pollMs: 250, ...options } satisfies EventsOptions },
        HandlerExplorer,
        DomainEventRepository,
        DomainEvents,
        EventDispatcher,
        JobRepository,
        JobRunner,
        DeviceMessageHandlers,
        PersonalDataRegistry,
      ],
      exports: [DomainEvents, EventDispatcher, JobRunner, DeviceMessageHandlers, DomainEventRepository, PersonalDataRegistry],
    };
  }
}

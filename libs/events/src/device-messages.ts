import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DEVICE_MESSAGE_HANDLER } from './decorators';
import { HandlerExplorer } from './handler-explorer';

/** The paired device a message came from, as its handler sees it. */
export interface MessageDevice {
  address: string;
  kind: 'hotspot' | 'sensor' | 'gate';
  owner: string;
  venueId: string;
  sectionCode: string;
  publicKey: string;
}

/** The signed envelope a device sent. */
export interface DeviceEnvelope {
  deviceId: string;
  seq: number;
  sentAt: string;
  body: string;
  signature: string;
}

/** What a device message handler gets: the verified device, its envelope and parsed body, and the transaction that advances `seq`. */
export interface DeviceMessageContext {
  device: MessageDevice;
  envelope: DeviceEnvelope;
  body: { type: string } & Record<string, unknown>;
  /** The address the envelope came from, as the HTTP app sees it (`trust proxy`): the hotspot's network. */
  network?: string;
  /** Write through this: the handler's rows commit together with the device's new `seq`, or not at all. */
  tx: EntityManager;
  /** Runs `fn` once the transaction has committed (live signals that read the rows just written); never on a refusal. */
  afterCommit(fn: () => void): void;
}

/**
 * Handles one body type. Throw a DomainError to refuse the envelope (nothing is written and `seq`
 * does not move); the returned object is merged into the answer.
 */
export type DeviceMessageHandler = (ctx: DeviceMessageContext) => Promise<Record<string, unknown> | void>;

/** The handlers declared with `@OnDeviceMessage(type)`, found at boot. */
@Injectable()
export class DeviceMessageHandlers implements OnApplicationBootstrap {
  private readonly handlers = new Map<string, DeviceMessageHandler>();

  constructor(private readonly explorer: HandlerExplorer) {}

  onApplicationBootstrap(): void {
    for (const h of this.explorer.find<string>(DEVICE_MESSAGE_HANDLER)) {
      if (this.handlers.has(h.meta)) throw new Error(`two handlers for device message ${h.meta}`);
      this.handlers.set(h.meta, h.call as DeviceMessageHandler);
    }
  }

  get(type: string): DeviceMessageHandler | undefined {
    return this.handlers.get(type);
  }

  types(): string[] {
    return [...this.handlers.keys()];
  }
}

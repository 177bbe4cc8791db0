import type { AppealView, DeviceKind, DeviceView } from '@fanmesh/protocol';

/** A paired device as the devices context stores it. */
export interface DeviceRecord {
  address: string;
  publicKey: string;
  kind: DeviceKind;
  owner: string;
  venueId: string;
  sectionCode: string;
  lastSeq: string;
  lastSeenAt: Date | null;
  lastHeartbeat: Record<string, unknown> | null;
  pairedAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
  denylisted: string | null;
}

/** What a device said about itself over a window (see DeviceDirectory.heartbeatSummary). */
export interface HeartbeatSummary {
  device: string;
  /** Heartbeats in the window. */
  count: number;
  /** Distinct `bucketS`-second buckets of the window holding at least one heartbeat. */
  buckets: number;
  /** Medians of what the device reported (null when it never reported the field). */
  clients: number | null;
  throughputKbps: number | null;
}

/** Read access to paired devices; implemented by devices. */
export abstract class DeviceDirectory {
  abstract device(address: string): Promise<DeviceRecord | undefined>;
  abstract list(filter: { owner?: string; venueIds?: string[] }): Promise<DeviceView[]>;
  abstract view(d: DeviceRecord): DeviceView;
  /** Heartbeat count, uptime buckets and medians of reported clients/throughput between `from` and `to`. */
  abstract heartbeatSummary(devices: string[], from: Date, to: Date, bucketS?: number): Promise<HeartbeatSummary[]>;
  abstract latestAppeal(address: string): Promise<AppealView | undefined>;
}

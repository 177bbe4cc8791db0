import { Global, Module } from '@nestjs/common';
import { DeviceDirectory } from '@fanmesh/directory';
import { DevicesController } from './devices.controller';
import { DeviceLogRepository, DeviceRepository } from './device.repository';
import { DevicesService } from './devices.service';
import { DeviceChainRepository } from './device-chain.repository';
import { DeviceChainSync } from './device-chain-sync.service';
import { Devices1764000000400 } from './migrations/1764000000400-devices';
import { Heartbeats1764000000401 } from './migrations/1764000000401-heartbeats';
import { Appeals1764000000402 } from './migrations/1764000000402-appeals';
import { DeviceTransfers1766200000000 } from './migrations/1766200000000-device-transfers';
import { DevicePersonalDataRepository } from './personal-data.repository';
import { DeviceOwnerReadings1766900000000 } from './migrations/1766900000000-device-owner-readings';
import { DeviceOwnerController } from './device-owner.controller';
import { DeviceOwnerRepository } from './device-owner.repository';
import { DeviceOwnerService } from './device-owner.service';

/**
 * Devices: pairing, signed envelopes (handed to the `@OnDeviceMessage` handlers), heartbeats,
 * denylist, transfers, and DeviceRegistry kept in step both ways; the owner app's readings and
 * earnings reports. Provides DeviceDirectory.
 */
@Global()
@Module({
  controllers: [DevicesController, DeviceOwnerController],
  providers: [
    DeviceRepository,
    DeviceLogRepository,
    DevicePersonalDataRepository,
    DeviceChainRepository,
    DeviceChainSync,
    DevicesService,
    { provide: DeviceDirectory, useExisting: DevicesService },
    DeviceOwnerRepository,
    DeviceOwnerService,
  ],
  exports: [DevicesService, DeviceDirectory],
})
export class DevicesModule {
  static readonly entities = [];
  static readonly migrations = [Devices1764000000400, Heartbeats1764000000401, Appeals1764000000402, DeviceTransfers1766200000000, DeviceOwnerReadings1766900000000];
}

import { Module } from '@nestjs/common';
import { DevicesController } from './devices.controller';
import { DeviceLogRepository, DeviceRepository } from './device.repository';
import { DevicesService } from './devices.service';
import { Devices1764000000400 } from './migrations/1764000000400-devices';
import { Heartbeats1764000000401 } from './migrations/1764000000401-heartbeats';
import { Appeals1764000000402 } from './migrations/1764000000402-appeals';

@Module({
  controllers: [DevicesController],
  providers: [DeviceRepository, DeviceLogRepository, DevicesService],
  exports: [DevicesService],
})
export class DevicesModule {
  static readonly entities = [];
  static readonly migrations = [Devices1764000000400, Heartbeats1764000000401, Appeals1764000000402];
}

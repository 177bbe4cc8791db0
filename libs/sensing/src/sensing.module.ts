import { Module } from '@nestjs/common';
import { AccessModule } from '@fanmesh/access';
import { DevicesModule } from '@fanmesh/devices';
import { VenuesModule } from '@fanmesh/venues';
import { AttendanceService } from './attendance.service';
import { ReadingsRepository } from './readings.repository';
import { ReadingsService } from './readings.service';
import { SensingController } from './sensing.controller';
import { Sensing1764000000600 } from './migrations/1764000000600-sensing';

@Module({
  imports: [DevicesModule, AccessModule, VenuesModule],
  controllers: [SensingController],
  providers: [ReadingsRepository, ReadingsService, AttendanceService],
  exports: [ReadingsService, AttendanceService],
})
export class SensingModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [Sensing1764000000600];
}

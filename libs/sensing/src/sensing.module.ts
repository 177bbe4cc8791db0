import { Global, Module } from '@nestjs/common';
import { ReadingsDirectory } from '@fanmesh/directory';
import { AttendanceService } from './attendance.service';
import { ReadingsRepository } from './readings.repository';
import { ReadingsService } from './readings.service';
import { SensingController } from './sensing.controller';
import { Sensing1764000000600 } from './migrations/1764000000600-sensing';

/** Sensing: the `readings` device message, live attendance against admissions. Provides ReadingsDirectory. */
@Global()
@Module({
  controllers: [SensingController],
  providers: [ReadingsRepository, ReadingsService, AttendanceService, { provide: ReadingsDirectory, useExisting: ReadingsService }],
  exports: [ReadingsService, AttendanceService, ReadingsDirectory],
})
export class SensingModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [Sensing1764000000600];
}

import { Module } from '@nestjs/common';
import { AccessModule } from '@fanmesh/access';
import { DevicesModule } from '@fanmesh/devices';
import { VenuesModule } from '@fanmesh/venues';
import { CoverageController } from './coverage.controller';
import { CoveragePublisher } from './coverage-publisher';
import { CoverageRepository } from './coverage.repository';
import { CoverageService } from './coverage.service';
import { Coverage1764000000500 } from './migrations/1764000000500-coverage';

@Module({
  imports: [DevicesModule, AccessModule, VenuesModule],
  controllers: [CoverageController],
  providers: [CoverageRepository, CoveragePublisher, CoverageService],
  exports: [CoverageService],
})
export class CoverageModule {
  static readonly entities: Function[] = [];
  static readonly migrations: Function[] = [Coverage1764000000500];
}

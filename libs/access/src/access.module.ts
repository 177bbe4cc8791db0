import { Module } from '@nestjs/common';
import { GatesController, MerchController, TicketsController } from './access.controller';
import { MerchService } from './merch.service';
import { AttendancePublisher } from './attendance-publisher';
import { AccessCache } from './access-cache';
import { AdmissionLock } from './admission-lock';
import { AdmissionDirectory } from './admission-directory';
import { AdmissionRepository } from './admission.repository';
import { GateScanService } from './gate-scan.service';
import { Access1764000000200 } from './migrations/1764000000200-access';
import { AdmissionsHolder1764000000201 } from './migrations/1764000000201-admissions-holder';
import { OfflineScanService } from './offline-scan.service';
import { TicketSigner } from './ticket-signer';
import { TicketRepository } from './ticket.repository';
import { TicketService } from './ticket.service';

@Module({
  controllers: [TicketsController, GatesController, MerchController],
  providers: [AdmissionDirectory, AttendancePublisher, MerchService, AccessCache, AdmissionLock, AdmissionRepository, GateScanService, OfflineScanService, TicketSigner, TicketRepository, TicketService],
  exports: [AdmissionDirectory, GateScanService, TicketService],
})
export class AccessModule {
  static readonly entities = [];
  static readonly migrations = [Access1764000000200, AdmissionsHolder1764000000201];
}

import { Global, Module } from '@nestjs/common';
import { AdmissionDirectory } from '@fanmesh/directory';
import { GatesController, MerchController, TicketsController } from './access.controller';
import { MerchService } from './merch.service';
import { MerchRepository } from './merch.repository';
import { AttendancePublisher } from './attendance-publisher';
import { AccessCache } from './access-cache';
import { AdmissionDirectoryService } from './admission-directory';
import { AdmissionRepository } from './admission.repository';
import { AdmissionStatsService } from './admission-stats.service';
import { GateScanService } from './gate-scan.service';
import { GateLaneGateway } from './gate-lane.gateway';
import { Access1764000000200 } from './migrations/1764000000200-access';
import { AdmissionsHolder1764000000201 } from './migrations/1764000000201-admissions-holder';
import { OfflineReviews1766400000000 } from './migrations/1766400000000-offline-reviews';
import { MerchPlace1766400000001 } from './migrations/1766400000001-merch-place';
import { OfflineScanService } from './offline-scan.service';
import { ScannerBinding } from './scanner-binding';
import { TicketSigner } from './ticket-signer';
import { TicketRepository } from './ticket.repository';
import { TicketService } from './ticket.service';
import { ClaimLinkRepository } from './claim-link.repository';
import { ClaimLinkTokens } from './claim-link-tokens';
import { ClaimLinksService } from './claim-links.service';
import { TicketImportController } from './ticket-import.controller';
import { TicketImportRepository } from './ticket-import.repository';
import { TicketImportService } from './ticket-import.service';
import { TicketImports1766600000000 } from './migrations/1766600000000-ticket-imports';
import { ScanLogRetention1766800000000 } from './migrations/1766800000000-scan-log-retention';
import { AccessPersonalDataRepository } from './personal-data.repository';
import { OfflineReviewDecisions1767000000001 } from './migrations/1767000000001-offline-review-decisions';
import { PurchaseGroups1767400000000 } from './migrations/1767400000000-purchase-groups';

/** Tickets, gate scans (HTTP, and pipelined over the gate lane websocket) and merch; other contexts ask who is in through `AdmissionDirectory` (provided globally). */
@Global()
@Module({
  controllers: [TicketsController, GatesController, MerchController, TicketImportController],
  providers: [
    AdmissionDirectoryService,
    { provide: AdmissionDirectory, useExisting: AdmissionDirectoryService },
    AdmissionStatsService,
    AttendancePublisher,
    MerchRepository,
    MerchService,
    AccessCache,
    AdmissionRepository,
    GateScanService,
    GateLaneGateway,
    OfflineScanService,
    ScannerBinding,
    TicketSigner,
    TicketRepository,
    TicketService,
    ClaimLinkRepository,
    ClaimLinkTokens,
    ClaimLinksService,
    TicketImportRepository,
    TicketImportService,
    AccessPersonalDataRepository,
  ],
  exports: [AdmissionDirectory, AdmissionDirectoryService, GateScanService, TicketService],
})
export class AccessModule {
  static readonly entities: Function[] = [];
  static readonly migrations = [
    Access1764000000200,
    AdmissionsHolder1764000000201,
    OfflineReviews1766400000000,
    MerchPlace1766400000001,
    TicketImports1766600000000,
    ScanLogRetention1766800000000,
    OfflineReviewDecisions1767000000001,
    PurchaseGroups1767400000000,
  ];
}

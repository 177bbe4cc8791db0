import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { EVENT_STATUSES, EventStatus } from '../event-lifecycle';
import type * as wire from '@fanmesh/protocol';
import { Stand, STANDS } from '../venue.model';

const CODE = /^[A-Z0-9][A-Z0-9-]{0,15}$/;
const CODE_HINT = 'code must be 1-16 upper-case letters, digits or dashes, e.g. N101';

export class CreateSectionDto {
  @ApiProperty({ example: 'N101' }) @IsString() @Matches(CODE, { message: CODE_HINT }) code: string;
  @ApiProperty({ example: 'North stand, tier 1, block 1' }) @IsString() @MinLength(1) @MaxLength(120) name: string;
  @ApiProperty({ enum: STANDS }) @IsIn(STANDS) stand: Stand;
  @ApiProperty({ minimum: 1, maximum: 9 }) @IsInt() @Min(1) @Max(9) tier: number;
  @ApiProperty({ minimum: 1, maximum: 100000 }) @IsInt() @Min(1) @Max(100_000) capacity: number;
  @ApiPropertyOptional({ type: [String], example: ['N102'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @Matches(CODE, { each: true, message: CODE_HINT })
  neighbours?: string[];
}

export class CreateGateDto {
  @ApiProperty({ example: 'N-A' }) @IsString() @Matches(CODE, { message: CODE_HINT }) code: string;
  @ApiProperty({ example: 'North gate A' }) @IsString() @MinLength(1) @MaxLength(120) name: string;
  @ApiProperty({ type: [String], example: ['N101', 'N102'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @Matches(CODE, { each: true, message: CODE_HINT })
  sectionCodes: string[];
}

export class CreateVenueDto {
  @ApiProperty({ example: 'FanMesh Arena' }) @IsString() @MinLength(1) @MaxLength(120) name: string;
  @ApiProperty({ example: 'Lisbon' }) @IsString() @MinLength(1) @MaxLength(120) city: string;
  @ApiProperty({ example: 'Europe/Lisbon' })
  @IsString()
  @Matches(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, { message: 'timezone must be an IANA name such as Europe/Lisbon' })
  timezone: string;
  @ApiPropertyOptional({ type: [CreateSectionDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => CreateSectionDto)
  sections?: CreateSectionDto[];
  @ApiPropertyOptional({ type: [CreateGateDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => CreateGateDto)
  gates?: CreateGateDto[];
}

export class CreateEventDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') venueId: string;
  @ApiProperty({ example: 'FanMesh FC vs Harbour City' }) @IsString() @MinLength(1) @MaxLength(160) name: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(80) homeTeam?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(80) awayTeam?: string;
  @ApiProperty({ format: 'date-time' }) @IsISO8601({ strict: true }, { message: 'startsAt must be an ISO-8601 date-time' }) startsAt: string;
  @ApiPropertyOptional({
    format: 'date-time',
    description: "The end of the event's time window (default: three hours after startsAt, at most seven days); no two events of a venue may overlap",
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'endsAt must be an ISO-8601 date-time' })
  endsAt?: string;
}

export class TransitionEventDto {
  @ApiProperty({ enum: EVENT_STATUSES }) @IsIn(EVENT_STATUSES) to: EventStatus;
  @ApiPropertyOptional({ description: 'The version you last saw; a stale one is refused', minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class VenueIdParam {
  @IsUUID('4', { message: 'venueId must be a UUID' }) venueId: string;
}
export class EventIdParam {
  @IsUUID('4', { message: 'eventId must be a UUID' }) eventId: string;
}

export class ListEventsQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID('4') venueId?: string;
  @ApiPropertyOptional({ enum: EVENT_STATUSES }) @IsOptional() @IsIn(EVENT_STATUSES) status?: EventStatus;
}

// ---- responses ----
export class SectionView implements wire.SectionView {
  @ApiProperty() id: string;
  @ApiProperty() code: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: STANDS }) stand: Stand;
  @ApiProperty() tier: number;
  @ApiProperty() capacity: number;
  @ApiProperty({ type: [String] }) neighbours: string[];
  @ApiProperty({ nullable: true, description: "the seat plan: { rows: ['##.##', …] }, '#' a seat, '.' no seat" }) seatMap: wire.SeatMap | null;
}
export class GateView implements wire.GateView {
  @ApiProperty() id: string;
  @ApiProperty() code: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String] }) sectionCodes: string[];
}
export class VenueView implements wire.VenueView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() city: string;
  @ApiProperty() timezone: string;
  @ApiProperty() capacity: number;
  @ApiProperty({ type: [SectionView] }) sections: SectionView[];
  @ApiProperty({ type: [GateView] }) gates: GateView[];
}
export class VenueSummaryView implements wire.VenueSummaryView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() city: string;
  @ApiProperty() capacity: number;
}
export class EventView implements wire.EventView {
  @ApiProperty() id: string;
  @ApiProperty() venueId: string;
  @ApiProperty() venueName: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true }) homeTeam: string | null;
  @ApiProperty({ nullable: true }) awayTeam: string | null;
  @ApiProperty({ format: 'date-time' }) startsAt: string;
  @ApiProperty({ format: 'date-time', description: 'the end of its time window (an event that ended early ends there)' }) endsAt: string;
  @ApiProperty({ enum: EVENT_STATUSES }) status: EventStatus;
  @ApiProperty({ format: 'date-time' }) statusChangedAt: string;
  @ApiProperty() version: number;
  @ApiProperty({ enum: EVENT_STATUSES, isArray: true }) nextStatuses: EventStatus[];
}

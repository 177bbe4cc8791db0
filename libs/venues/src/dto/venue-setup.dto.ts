import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import type * as wire from '@fanmesh/protocol';
import { SEAT_MAP_MAX_COLUMNS, SEAT_MAP_MAX_ROWS, SECTION_CSV_MAX_BYTES } from '@fanmesh/protocol';
import { Stand, STANDS } from '../venue.model';

const CODE = /^[A-Z0-9][A-Z0-9-]{0,15}$/;
const CODE_HINT = 'code must be 1-16 upper-case letters, digits or dashes, e.g. N101';

export class UpdateVenueDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(120) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(120) city?: string;
  @ApiPropertyOptional({ example: 'Europe/Lisbon' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, { message: 'timezone must be an IANA name such as Europe/Lisbon' })
  timezone?: string;
}

/** Every field optional: what is left out keeps its value. A section's code never changes (tickets name it). */
export class UpdateSectionDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(120) name?: string;
  @ApiPropertyOptional({ enum: STANDS }) @IsOptional() @IsIn(STANDS) stand?: Stand;
  @ApiPropertyOptional({ minimum: 1, maximum: 9 }) @IsOptional() @IsInt() @Min(1) @Max(9) tier?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 100000, description: 'refused while a seat map sets it' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  capacity?: number;
  @ApiPropertyOptional({ type: [String], example: ['N102'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @Matches(CODE, { each: true, message: CODE_HINT })
  neighbours?: string[];
}

export class SeatMapDto implements wire.SeatMap {
  @ApiProperty({ type: [String], example: ['####.####', '####.####'], description: "one string per row, front row first: '#' a seat, '.' no seat" })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SEAT_MAP_MAX_ROWS)
  @IsString({ each: true })
  @MaxLength(SEAT_MAP_MAX_COLUMNS, { each: true })
  rows: string[];
}

export class UpdateGateDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(120) name?: string;
  @ApiPropertyOptional({ type: [String], example: ['N101', 'N102'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @Matches(CODE, { each: true, message: CODE_HINT })
  sectionCodes?: string[];
}

export class ImportSectionsDto {
  @ApiProperty({ description: 'The CSV text: a header naming code,name,stand,tier,capacity[,neighbours], then one line per section' })
  @IsString()
  @MaxLength(SECTION_CSV_MAX_BYTES * 2)
  csv: string;
  @ApiProperty({ description: 'true: only report what importing would do; false: write it (refused while any row has a problem)' })
  @IsBoolean()
  dryRun: boolean;
}

export class SectionCodeParams {
  @IsUUID('4', { message: 'venueId must be a UUID' }) venueId: string;
  @Matches(CODE, { message: 'sectionCode must be a section code such as N101' }) sectionCode: string;
}
export class GateCodeParams {
  @IsUUID('4', { message: 'venueId must be a UUID' }) venueId: string;
  @Matches(CODE, { message: 'gateCode must be a gate code such as N-A' }) gateCode: string;
}

class SectionRowProblemView implements wire.SectionRowProblem {
  @ApiProperty() code: wire.SectionRowProblemCode;
  @ApiProperty({ nullable: true }) column: string | null;
  @ApiProperty() reason: string;
}
class SectionImportRowView implements wire.SectionImportRowView {
  @ApiProperty() line: number;
  @ApiProperty({ nullable: true }) code: string | null;
  @ApiProperty({ enum: ['create', 'update', 'unchanged', 'error'] }) action: wire.SectionImportRowView['action'];
  @ApiProperty({ type: [SectionRowProblemView] }) problems: SectionRowProblemView[];
}
class SectionImportSummary {
  @ApiProperty() create: number;
  @ApiProperty() update: number;
  @ApiProperty() unchanged: number;
  @ApiProperty() errors: number;
}
export class SectionImportView implements wire.SectionImportView {
  @ApiProperty() dryRun: boolean;
  @ApiProperty() applied: boolean;
  @ApiProperty({ type: [SectionImportRowView] }) rows: SectionImportRowView[];
  @ApiProperty({ type: SectionImportSummary }) summary: SectionImportSummary;
}

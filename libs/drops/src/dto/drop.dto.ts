import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import type * as wire from '@fanmesh/protocol';

export const REWARD_KINDS = ['coupon', 'collectible', 'token'] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];
export const TRIGGER_KINDS = ['moment', 'time', 'manual'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];
export const MAX_CODES_PER_UPLOAD = 5_000;
export const MAX_INVENTORY = 1_000_000;

const URL_OPTS = { protocols: ['https', 'http'], require_protocol: true, require_tld: false };
const CODE = /^[\x21-\x7e]{1,64}$/;

export class CtaDto {
  @ApiProperty({ example: 'Get your pint' }) @IsString() @MinLength(1) @MaxLength(40) label: string;
  @ApiProperty({ example: 'https://lisbonlager.example/pint' }) @IsUrl(URL_OPTS) @MaxLength(500) url: string;
}

export class DropContentDto {
  @ApiProperty({ example: 'GOAL! Half-price pint' }) @IsString() @MinLength(1) @MaxLength(120) title: string;
  @ApiProperty({ example: 'Show this at any Lisbon Lager bar in the next 20 minutes.' }) @IsString() @MinLength(1) @MaxLength(2000) body: string;
  @ApiPropertyOptional({ example: 'https://cdn.example/pint.png' }) @IsOptional() @IsUrl(URL_OPTS) @MaxLength(500) imageUrl?: string;
  @ApiPropertyOptional({ type: CtaDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => CtaDto) cta?: CtaDto;
}

export class DropRewardDto {
  @ApiProperty({ enum: REWARD_KINDS, description: 'coupon: codes you upload; collectible: numbered units; token: a fan-token bonus the rewards ledger pays' })
  @IsIn(REWARD_KINDS)
  kind: RewardKind;
  @ApiPropertyOptional({ example: 'Golden goal scarf #', description: 'What the collectible is called' }) @IsOptional() @IsString() @MinLength(1) @MaxLength(80) name?: string;
  @ApiPropertyOptional({ example: '5000000000000000000', description: 'token only: the bonus per unit, a decimal string of the smallest unit' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,77}$/, { message: 'amount must be a positive integer as a decimal string (smallest unit)' })
  amount?: string;
}

export class DropTriggerDto {
  @ApiProperty({ enum: TRIGGER_KINDS }) @IsIn(TRIGGER_KINDS) kind: TriggerKind;
  @ApiPropertyOptional({ example: 'goal', description: 'moment only: a moment kind (see MOMENT_KINDS)' }) @IsOptional() @IsString() @MaxLength(40) moment?: string;
  @ApiPropertyOptional({ enum: ['home', 'away'], description: 'moment only: which side, for goals; omit for either' }) @IsOptional() @IsIn(['home', 'away']) team?: 'home' | 'away';
  @ApiPropertyOptional({ format: 'date-time', description: 'time only: when to fire' }) @IsOptional() @IsISO8601({ strict: true }) at?: string;
}

export class DropAudienceDto {
  @ApiPropertyOptional({ type: [String], example: ['N101', 'N102'], description: 'Only fans admitted to these sections' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @MaxLength(16, { each: true })
  sections?: string[];
  @ApiPropertyOptional({ type: [String], example: ['vip'], description: 'Only fans holding these ticket tiers' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(32, { each: true })
  tiers?: string[];
  @ApiPropertyOptional({ description: 'Only the first N fans admitted (of those matching)', minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  firstN?: number;
  @ApiPropertyOptional({ description: 'Only fans with a valid hotspot witness at this event (proof of coverage)' })
  @IsOptional()
  @IsBoolean()
  witnessed?: boolean;
}

export class DropWindowDto {
  @ApiProperty({ format: 'date-time' }) @IsISO8601({ strict: true }) startsAt: string;
  @ApiProperty({ format: 'date-time' }) @IsISO8601({ strict: true }) endsAt: string;
}

export class CreateDropDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') eventId: string;
  @ApiProperty({ type: DropContentDto }) @IsObject() @ValidateNested() @Type(() => DropContentDto) content: DropContentDto;
  @ApiProperty({ type: DropRewardDto }) @IsObject() @ValidateNested() @Type(() => DropRewardDto) reward: DropRewardDto;
  @ApiProperty({ type: DropTriggerDto }) @IsObject() @ValidateNested() @Type(() => DropTriggerDto) trigger: DropTriggerDto;
  @ApiPropertyOptional({ type: DropAudienceDto, description: 'Omit for every checked-in fan' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DropAudienceDto)
  audience?: DropAudienceDto;
  @ApiProperty({ description: 'How many units can be claimed in all', minimum: 1 }) @IsInt() @Min(0) @Max(MAX_INVENTORY) inventory: number;
  @ApiPropertyOptional({ description: 'How many units one fan may claim (default 1)', minimum: 1, maximum: 10 }) @IsOptional() @IsInt() @Min(1) @Max(10) perFanLimit?: number;
  @ApiProperty({ type: DropWindowDto }) @IsObject() @ValidateNested() @Type(() => DropWindowDto) window: DropWindowDto;
}

/** Every part is optional; what is sent replaces that part whole. Only drafts and rejected drops can be edited. */
export class UpdateDropDto {
  @ApiPropertyOptional({ type: DropContentDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => DropContentDto) content?: DropContentDto;
  @ApiPropertyOptional({ type: DropRewardDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => DropRewardDto) reward?: DropRewardDto;
  @ApiPropertyOptional({ type: DropTriggerDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => DropTriggerDto) trigger?: DropTriggerDto;
  @ApiPropertyOptional({ type: DropAudienceDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => DropAudienceDto) audience?: DropAudienceDto;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(MAX_INVENTORY) inventory?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(10) perFanLimit?: number;
  @ApiPropertyOptional({ type: DropWindowDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => DropWindowDto) window?: DropWindowDto;
}

export class UploadCodesDto {
  @ApiProperty({ type: [String], maxItems: MAX_CODES_PER_UPLOAD, description: 'Coupon codes (printable ASCII, no spaces); uploading one twice is harmless' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CODES_PER_UPLOAD)
  @Matches(CODE, { each: true, message: 'each code must be 1-64 printable ASCII characters without spaces' })
  codes: string[];
}

export class ReviewDropDto {
  @ApiPropertyOptional({ example: 'Image is not on brand guidelines' }) @IsOptional() @IsString() @MaxLength(500) note?: string;
}

/** Approving names the version the reviewer saw: a sponsor's edit after the review must be reviewed again. */
export class ApproveDropDto extends ReviewDropDto {
  @ApiProperty({ description: 'The drop version the reviewer saw (DropView.version)', example: 1 }) @IsInt() @Min(1) version: number;
}

export class DropIdParam {
  @IsUUID('4', { message: 'dropId must be a UUID' }) dropId: string;
}

export class ListDropsQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID('4') venueId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID('4') eventId?: string;
}

export class MyDropsQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID('4') eventId?: string;
}

export class DropView implements wire.DropView {
  @ApiProperty() id: string;
  @ApiProperty() sponsorId: string;
  @ApiProperty() venueId: string;
  @ApiProperty() eventId: string;
  @ApiProperty({ type: DropContentDto }) content: DropContentDto;
  @ApiProperty({ type: DropRewardDto }) reward: DropRewardDto;
  @ApiProperty({ type: DropTriggerDto }) trigger: DropTriggerDto;
  @ApiProperty({ type: DropAudienceDto }) audience: DropAudienceDto;
  @ApiProperty() inventory: number;
  @ApiProperty() perFanLimit: number;
  @ApiProperty({ description: 'Units loaded (coupon codes uploaded so far)' }) loaded: number;
  @ApiProperty() claimed: number;
  @ApiProperty({ type: DropWindowDto }) window: DropWindowDto;
  @ApiProperty({ enum: ['draft', 'approved', 'rejected', 'cancelled', 'fired'] }) status: string;
  @ApiPropertyOptional({ nullable: true }) reviewNote: string | null;
  @ApiPropertyOptional({ nullable: true }) firedAt: string | null;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
}

export class FanDropView implements wire.FanDropView {
  @ApiProperty() dropId: string;
  @ApiProperty() eventId: string;
  @ApiProperty({ type: DropContentDto }) content: DropContentDto;
  @ApiProperty({ enum: REWARD_KINDS }) rewardKind: string;
  @ApiProperty() expiresAt: string;
  @ApiProperty() perFanLimit: number;
  @ApiProperty({ type: [String], description: 'Your codes (coupon), serials (collectible) or bonus units (token)' }) codes: string[];
  @ApiPropertyOptional({ nullable: true }) openedAt: string | null;
  @ApiPropertyOptional({ nullable: true }) redeemedAt: string | null;
}

export class RedemptionView implements wire.RedemptionView {
  @ApiProperty() dropId: string;
  @ApiProperty({ enum: REWARD_KINDS }) rewardKind: string;
  @ApiProperty({ description: 'The coupon code, the collectible serial, or the bonus unit id; shown only to you' }) code: string;
  @ApiPropertyOptional({ description: 'token only: the bonus the rewards ledger will pay' }) amount?: string;
  @ApiProperty() slot: number;
  @ApiProperty() redeemedAt: string;
}

export class DropReachView implements wire.DropReachView {
  @ApiProperty() dropId: string;
  @ApiProperty({ description: 'Fans the drop would reach if it fired now (admitted, in its sections and tiers, witnessed if it says so, at most its first N)' })
  reach: number;
  @ApiProperty() at: string;
}

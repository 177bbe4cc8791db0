import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { REWARD_KINDS, RewardKind } from '../reward-rules';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** A decimal string of the token's smallest unit, at most 10^30 (well below the token's cap type). */
const AMOUNT = /^(0|[1-9][0-9]{0,29})$/;
const AMOUNT_HINT = { message: 'must be a decimal string of the smallest token unit (no sign, no decimals, at most 30 digits)' };

export class PoolDto {
  @ApiProperty({ enum: REWARD_KINDS }) @IsIn(REWARD_KINDS as unknown as string[]) kind: RewardKind;
  @ApiProperty({ description: 'amount per rewarded unit (smallest token unit); unused for coverage, which splits its pool by score', example: '10000000000000000000' })
  @IsString()
  @Matches(AMOUNT, AMOUNT_HINT)
  perUnit: string;
  @ApiProperty({ description: 'most one account earns of this kind in the event' }) @IsString() @Matches(AMOUNT, AMOUNT_HINT) accountCap: string;
  @ApiProperty({ description: 'most this kind pays in the event, all accounts together' }) @IsString() @Matches(AMOUNT, AMOUNT_HINT) pool: string;
}

export class SetPoolsDto {
  @ApiProperty({ type: [PoolDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(REWARD_KINDS.length)
  @ValidateNested({ each: true })
  @Type(() => PoolDto)
  pools: PoolDto[];
}

export class RelayClaimDto {
  @ApiProperty({ description: 'the published cumulative amount the fan signed' }) @IsString() @Matches(/^(0|[1-9][0-9]{0,77})$/, AMOUNT_HINT) cumulativeAmount: string;
  @ApiPropertyOptional({ description: 'where the tokens go (default: the fan)' }) @IsOptional() @Matches(ADDRESS, { message: 'recipient must be a 0x address' }) recipient?: string;
  @ApiProperty({ description: 'unix seconds; the signature is void after it' }) @IsInt() @Min(0) @Max(2 ** 40) deadline: number;
  @ApiProperty({ description: "the fan's EIP-712 Claim signature" }) @Matches(/^0x[0-9a-fA-F]{130}$/, { message: 'signature must be 65 bytes of 0x-hex' }) signature: string;
}

export class DecisionDto {
  @ApiPropertyOptional({ description: 'why (kept with the decision)' }) @IsOptional() @IsString() @MaxLength(500) note?: string;
}

export class RewardsEventIdParam {
  @IsUUID('4') eventId: string;
}

export class SeasonQuery {
  /** the season by its two years, e.g. 2026-27 (default: the one in progress) */
  @IsOptional() @Matches(/^\d{4}-\d{2}$/, { message: 'season is named by its two years, such as 2026-27' }) season?: string;
}

export class EpochIdParam {
  @Matches(/^[1-9][0-9]{0,17}$/, { message: 'epochId must be a positive integer' }) epochId: string;
}

export class RewardsAddressParam {
  @Matches(ADDRESS, { message: 'address must be a 0x address' }) address: string;
}

export class EpochLeavesQuery {
  @ApiPropertyOptional({ description: 'the `next` of the previous page: leaves after this account' })
  @IsOptional()
  @Matches(ADDRESS, { message: 'cursor must be a 0x address (the `next` of the previous page)' })
  cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

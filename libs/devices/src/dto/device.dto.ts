import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const SIG = /^0x[0-9a-fA-F]{130}$/;
const SIG_HINT = { message: 'must be a 65-byte signature: 0x followed by 130 hex characters' };

export class PairingOfferDto {
  @ApiProperty() @Matches(ADDRESS, { message: 'device must be a 0x-prefixed 20-byte address' }) device: string;
  @ApiProperty({ enum: ['hotspot', 'sensor', 'gate'] }) @IsIn(['hotspot', 'sensor', 'gate']) kind: 'hotspot' | 'sensor' | 'gate';
  @ApiProperty({ description: '32 random bytes, 0x-hex' }) @Matches(/^0x[0-9a-fA-F]{64}$/, { message: 'nonce must be 32 bytes of 0x-hex' }) nonce: string;
  @ApiProperty({ description: 'unix seconds' }) @IsInt() @Min(0) @Max(2 ** 40) expiresAt: number;
  @ApiProperty() @Matches(SIG, SIG_HINT) signature: string;
}

export class PairDeviceDto {
  @ApiProperty({ type: PairingOfferDto }) @ValidateNested() @Type(() => PairingOfferDto) offer: PairingOfferDto;
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') venueId: string;
  @ApiProperty({ example: 'N101' }) @IsString() @MinLength(1) @MaxLength(16) sectionCode: string;
  @ApiProperty({ description: 'unix seconds; the registration is void after it' }) @IsInt() @Min(0) @Max(2 ** 40) deadline: number;
  @ApiProperty({ description: "the device's EIP-712 signature over Registration" }) @Matches(SIG, SIG_HINT) deviceSignature: string;
  @ApiProperty({ description: "the owner's EIP-712 signature over Registration" }) @Matches(SIG, SIG_HINT) ownerSignature: string;
}

export class EnvelopeDto {
  @ApiProperty() @Matches(ADDRESS, { message: 'deviceId must be the device address' }) deviceId: string;
  @ApiProperty({ description: 'strictly increasing per device' }) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) seq: number;
  @ApiProperty({ format: 'date-time' }) @IsISO8601({ strict: true }) sentAt: string;
  @ApiProperty({ description: 'the message body, a JSON object serialized as a string (signed as sent)' }) @IsString() @MaxLength(64_000) body: string;
  @ApiProperty() @Matches(SIG, SIG_HINT) signature: string;
}

export class RevokeDeviceDto {
  @ApiProperty() @IsString() @MinLength(3) @MaxLength(300) reason: string;
}

export class TransferDeviceDto {
  @ApiProperty({ description: 'the account the device goes to' }) @Matches(ADDRESS, { message: 'to must be a 0x-prefixed 20-byte address' }) to: string;
  @ApiProperty({ description: 'unix seconds; the signed transfer is void after it' }) @IsInt() @Min(0) @Max(2 ** 40) deadline: number;
  @ApiProperty({ description: "the owner's EIP-712 signature over Transfer(device, to, nonce, deadline), nonce from GET /devices/:address/transfer" })
  @Matches(SIG, SIG_HINT)
  ownerSignature: string;
}

export class DenylistDto {
  @ApiProperty({ enum: ['device', 'owner'] }) @IsIn(['device', 'owner']) type: 'device' | 'owner';
  @ApiProperty() @Matches(ADDRESS, { message: 'subject must be a 0x address' }) subject: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description: "where the entry applies: a device's is always its own venue (found by the server); an owner's is this venue (an admin may omit it: every venue)",
  })
  @IsOptional()
  @IsUUID('4')
  venueId?: string;
  @ApiProperty() @IsString() @MinLength(3) @MaxLength(300) reason: string;
}

export class DeviceAddressParam {
  @Matches(ADDRESS, { message: 'address must be a 0x address' }) address: string;
}

export class ListDevicesQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID('4') venueId?: string;
}

export class FileAppealDto {
  @ApiProperty({ description: 'Why the denylisting is wrong, for the staff who decide' }) @IsString() @MinLength(3) @MaxLength(1000) message: string;
}

export class DecideAppealDto {
  @ApiProperty({ enum: ['accept', 'reject'], description: 'accept lifts the denylist entry; reject keeps it' }) @IsIn(['accept', 'reject']) decision: 'accept' | 'reject';
  @ApiProperty() @IsString() @MinLength(3) @MaxLength(1000) note: string;
}

export class AppealIdParam {
  @IsUUID('4') appealId: string;
}

export class ListAppealsQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID('4') venueId?: string;
  @ApiPropertyOptional({ enum: ['open', 'accepted', 'rejected'] }) @IsOptional() @IsIn(['open', 'accepted', 'rejected']) status?: 'open' | 'accepted' | 'rejected';
}

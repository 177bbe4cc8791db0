import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as wire from '@fanmesh/protocol';
import { IsIn, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export class SiweSignInDto {
  @ApiProperty({ description: 'The EIP-4361 message exactly as signed' }) @IsString() @MinLength(50) @MaxLength(4000) message: string;
  @ApiProperty({ description: '65-byte EIP-191 signature, 0x-hex' })
  @IsString()
  @Matches(/^0x[0-9a-fA-F]{130}$/, { message: 'signature must be 0x followed by 130 hex characters' })
  signature: string;
}

export class RefreshDto {
  @ApiProperty() @IsString() @Matches(/^fmrt_[A-Za-z0-9_-]{43}$/, { message: 'refreshToken is not a FanMesh refresh token' }) refreshToken: string;
}

export class GrantRoleDto {
  @ApiProperty({ example: '0x00000000000000000000000000000000000000b2' }) @Matches(ADDRESS, { message: 'address must be a 0x-prefixed 20-byte hex address' }) address: string;
  @ApiProperty({ enum: ['staff', 'steward'] }) @IsIn(['staff', 'steward']) role: 'staff' | 'steward';
}

export class RoleGrantParams {
  @IsUUID('4') venueId: string;
  @Matches(ADDRESS, { message: 'address must be a 0x-prefixed 20-byte hex address' }) address: string;
  @IsIn(['staff', 'steward']) role: 'staff' | 'steward';
}

export class CreateSponsorDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') venueId: string;
  @ApiProperty({ example: 'Lisbon Lager' }) @IsString() @MinLength(1) @MaxLength(120) name: string;
}

export class SponsorIdParam {
  @IsUUID('4') sponsorId: string;
}
export class SponsorKeyParams {
  @IsUUID('4') sponsorId: string;
  @IsUUID('4') keyId: string;
}

export class NonceView {
  @ApiProperty() nonce: string;
  @ApiProperty() expiresAt: string;
  @ApiProperty() statement: string;
  @ApiProperty({ description: 'The chain id the sign-in message must name', example: 31337 }) chainId: number;
}
export class PrincipalView {
  @ApiProperty() subject: string;
  @ApiProperty({ enum: ['account', 'sponsor', 'device'] }) kind: string;
  @ApiProperty({ type: [String] }) roles: string[];
}
export class SessionView {
  @ApiProperty() accessToken: string;
  @ApiProperty() accessTokenExpiresAt: string;
  @ApiProperty() refreshToken: string;
  @ApiProperty({ type: PrincipalView }) principal: PrincipalView;
}
export class GrantView {
  @ApiProperty() id: string;
  @ApiProperty() address: string;
  @ApiProperty() role: string;
  @ApiPropertyOptional({ nullable: true }) venueId: string | null;
}
export class SponsorKeyView {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Shown once; store it now' }) key: string;
  @ApiProperty() prefix: string;
  @ApiProperty() createdAt: string;
}

export class SponsorsQuery {
  @ApiProperty({ format: 'uuid' }) @IsUUID('4', { message: 'venueId must be a UUID' }) venueId: string;
}
export class SponsorKeySummaryView implements wire.SponsorKeySummaryView {
  @ApiProperty() id: string;
  @ApiProperty() prefix: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ nullable: true, format: 'date-time' }) lastUsedAt: string | null;
  @ApiProperty({ nullable: true, format: 'date-time' }) revokedAt: string | null;
}
export class SponsorView implements wire.SponsorView {
  @ApiProperty() id: string;
  @ApiProperty() venueId: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: [SponsorKeySummaryView] }) keys: SponsorKeySummaryView[];
}

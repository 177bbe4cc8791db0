import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import type * as wire from '@fanmesh/protocol';

export const INVITE_TOKEN = /^fmiv_[A-Za-z0-9_-]{43}$/;
export const INVITE_ROLES = ['staff', 'steward'] as const;

export class CreateInviteDto {
  @ApiProperty({ enum: INVITE_ROLES }) @IsIn(INVITE_ROLES) role: wire.InviteRole;
  @ApiPropertyOptional({ example: 'Maria, north gates', description: 'who it is for, so the list reads well' })
  @IsOptional()
  @IsString()
  @MaxLength(80)
  label?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 720, default: 72, description: 'hours until the link stops working' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(720)
  ttlHours?: number;
}

export class InviteTokenDto {
  @ApiProperty({ description: 'the token from the invite link (after the #)' })
  @IsString()
  @Matches(INVITE_TOKEN, { message: 'token is not a FanMesh invite token' })
  token: string;
}

export class InviteParams {
  @IsUUID('4', { message: 'venueId must be a UUID' }) venueId: string;
  @IsUUID('4', { message: 'inviteId must be a UUID' }) inviteId: string;
}

export class InviteView implements wire.InviteView {
  @ApiProperty() id: string;
  @ApiProperty() venueId: string;
  @ApiProperty({ enum: INVITE_ROLES }) role: wire.InviteRole;
  @ApiProperty({ nullable: true }) label: string | null;
  @ApiProperty({ enum: ['pending', 'accepted', 'expired', 'revoked'] }) status: wire.InviteStatus;
  @ApiProperty() createdBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ nullable: true }) acceptedBy: string | null;
  @ApiProperty({ nullable: true, format: 'date-time' }) acceptedAt: string | null;
}
export class CreatedInviteView extends InviteView implements wire.CreatedInviteView {
  @ApiProperty({ description: 'shown only in this answer; only its hash is kept' }) token: string;
  @ApiProperty({ example: '/venue/join#fmiv_…', description: "the PWA path the invitee opens (the token rides in the fragment, which browsers don't send)" }) path: string;
}
export class InviteLookupView implements wire.InviteLookupView {
  @ApiProperty() venueId: string;
  @ApiProperty({ enum: INVITE_ROLES }) role: wire.InviteRole;
  @ApiProperty({ enum: ['pending', 'accepted', 'expired', 'revoked'] }) status: wire.InviteStatus;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ nullable: true }) acceptedBy: string | null;
}
export class AcceptedInviteView implements wire.AcceptedInviteView {
  @ApiProperty() venueId: string;
  @ApiProperty({ enum: INVITE_ROLES }) role: wire.InviteRole;
  @ApiProperty() address: string;
  @ApiProperty() alreadyAccepted: boolean;
}
export class OperatorInviteView implements wire.OperatorInviteView {
  @ApiProperty() open: boolean;
  @ApiProperty({ nullable: true, enum: ['claimed', 'admin_address', 'production'] }) reason: wire.OperatorInviteView['reason'];
}

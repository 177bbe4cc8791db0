import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Principal, requireVenueRole } from '@fanmesh/common';
import {
  CreateSponsorDto,
  GrantRoleDto,
  GrantView,
  NonceView,
  PrincipalView,
  RefreshDto,
  RoleGrantParams,
  SessionView,
  SiweSignInDto,
  SponsorIdParam,
  SponsorKeyParams,
  SponsorKeyView,
  SponsorsQuery,
  SponsorView,
} from './dto/identity.dto';
import { IdentityService } from './identity.service';
import { TokenService } from './token.service';
import { IsUUID } from 'class-validator';
import type { AuthenticatedRequest } from './access.guard';
import { IdentityError } from './identity.error';
import { RateLimit } from './rate-limit';

/** Sponsor keys are for servers; a console in a browser trades its key for a short session to listen live. */
const SPONSOR_SESSION_SECONDS = 15 * 60;

class VenueParam {
  @IsUUID('4') venueId: string;
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly identity: IdentityService,
    private readonly tokens: TokenService,
  ) {}

  @Post('nonce')
  @HttpCode(200)
  @Access('public')
  @RateLimit({ name: 'auth.nonce', key: 'ip', limit: 60, windowMs: 60_000 })
  @ApiOperation({ summary: 'A single-use nonce for an EIP-4361 sign-in message (valid 5 minutes)' })
  @ApiOkResponse({ type: NonceView })
  nonce(): Promise<NonceView> {
    return this.identity.issueNonce();
  }

  @Post('siwe')
  @HttpCode(200)
  @Access('public')
  @RateLimit({ name: 'auth.siwe', key: 'ip', limit: 60, windowMs: 60_000 })
  @ApiOperation({
    summary: 'Sign in with Ethereum: returns an access token and a refresh token. The message must name PUBLIC_ORIGIN (domain and URI) and the chain id /auth/nonce gives.',
  })
  @ApiOkResponse({ type: SessionView })
  signIn(@Body() dto: SiweSignInDto): Promise<SessionView> {
    return this.identity.signIn(dto.message, dto.signature);
  }

  @Post('refresh')
  @HttpCode(200)
  @Access('public')
  @ApiOperation({ summary: 'Rotate a refresh token; presenting a rotated one again signs the whole family out' })
  @ApiOkResponse({ type: SessionView })
  refresh(@Body() dto: RefreshDto): Promise<SessionView> {
    return this.identity.refresh(dto.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @Access('public')
  async logout(@Body() dto: RefreshDto): Promise<void> {
    await this.identity.signOut(dto.refreshToken);
  }

  @Post('sponsor-session')
  @HttpCode(200)
  @Access('sponsor')
  @ApiOperation({
    summary: 'A 15-minute access token for a sponsor key (x-api-key only, never a session), e.g. to listen on sponsor:<id> over the websocket; revoking the key ends it',
  })
  async sponsorSession(@CurrentPrincipal() who: Principal, @Req() req: AuthenticatedRequest) {
    // Only the key itself: a session that could renew itself would outlive its key's revocation.
    if (req.credential?.type !== 'api_key') throw new IdentityError('api_key_required', 'A sponsor session is minted from the API key only: send it as x-api-key.');
    const { token, expiresAt } = await this.tokens.issue(who, SPONSOR_SESSION_SECONDS, { keyId: req.credential.keyId });
    return { accessToken: token, expiresAt, principal: who };
  }

  @Get('me')
  @Access('fan', 'steward', 'staff', 'sponsor', 'admin')
  @ApiOkResponse({ type: PrincipalView })
  me(@CurrentPrincipal() who: Principal): PrincipalView {
    return who;
  }
}

@ApiTags('roles')
@Controller('venues/:venueId/roles')
export class RolesController {
  constructor(private readonly identity: IdentityService) {}

  @Get()
  @Access('staff', 'admin')
  @ApiOkResponse({ type: [GrantView] })
  async list(@Param() p: VenueParam, @CurrentPrincipal() who: Principal): Promise<GrantView[]> {
    requireVenueRole(who, ['staff'], p.venueId);
    return (await this.identity.grantsAtVenue(p.venueId)).map(({ id, address, role, venueId }) => ({ id, address, role, venueId }));
  }

  @Post()
  @Access('admin')
  @ApiOperation({ summary: 'Grant staff or steward at this venue (idempotent)' })
  @ApiCreatedResponse({ type: GrantView })
  async grant(@Param() p: VenueParam, @Body() dto: GrantRoleDto, @CurrentPrincipal() who: Principal): Promise<GrantView> {
    const { id, address, role, venueId } = await this.identity.grant(dto.address, dto.role, p.venueId, who);
    return { id, address, role, venueId };
  }

  @Delete(':address/:role')
  @HttpCode(204)
  @Access('admin')
  async revoke(@Param() p: RoleGrantParams, @CurrentPrincipal() who: Principal): Promise<void> {
    await this.identity.revoke(p.address, p.role, p.venueId, who);
  }
}

@ApiTags('sponsors')
@Controller('sponsors')
export class SponsorsController {
  constructor(private readonly identity: IdentityService) {}

  @Post()
  @Access('admin')
  create(@Body() dto: CreateSponsorDto) {
    return this.identity.createSponsor(dto.venueId, dto.name);
  }

  @Get()
  @Access('admin')
  @ApiOperation({ summary: "A venue's sponsors and their keys (prefixes only: a key is shown once, when it is made)" })
  @ApiOkResponse({ type: [SponsorView] })
  list(@Query() q: SponsorsQuery): Promise<SponsorView[]> {
    return this.identity.sponsorsAtVenue(q.venueId);
  }

  @Post(':sponsorId/keys')
  @Access('admin')
  @ApiOperation({ summary: 'A new API key for the sponsor; the key is shown only in this answer' })
  @ApiCreatedResponse({ type: SponsorKeyView })
  createKey(@Param() p: SponsorIdParam): Promise<SponsorKeyView> {
    return this.identity.createSponsorKey(p.sponsorId);
  }

  @Delete(':sponsorId/keys/:keyId')
  @HttpCode(204)
  @Access('admin')
  async revokeKey(@Param() p: SponsorKeyParams): Promise<void> {
    await this.identity.revokeSponsorKey(p.sponsorId, p.keyId);
  }
}

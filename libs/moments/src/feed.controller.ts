import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Principal } from '@fanmesh/common';
import { FeedMomentDto, VenueIdParam } from './dto/moments.dto';
import { FEED_SIGNATURE_HEADER, FEED_TIMESTAMP_HEADER } from './feed-auth';
import { MomentFeedService } from './moment-feed.service';

@ApiTags('moments')
@Controller()
export class FeedController {
  constructor(private readonly feeds: MomentFeedService) {}

  @Post('venues/:venueId/feed-secret')
  @Access('admin')
  @ApiOperation({ summary: "Issue (or rotate) the venue's official-feed HMAC secret; shown once, stored encrypted" })
  secret(@Param() p: VenueIdParam, @CurrentPrincipal() who: Principal) {
    return this.feeds.rotateFeedSecret(p.venueId, who);
  }

  @Post('feeds/:venueId/moments')
  @HttpCode(200)
  @Access('public') // authenticated by the HMAC over the message with the venue's feed secret, checked in the service
  @ApiHeader({ name: FEED_TIMESTAMP_HEADER, description: 'unix seconds; within 5 minutes of the server clock' })
  @ApiHeader({ name: FEED_SIGNATURE_HEADER, description: 'v1=<hex HMAC-SHA256 of "v1\\n<timestamp>\\n<venueId>\\n<eventId>\\n<ref>\\n<kind>\\n<team or empty>\\n<at>">' })
  @ApiOperation({ summary: 'Official match feed: confirms the nearest sensor candidate or creates the moment confirmed; replays refused, a repeated ref changes nothing' })
  feed(@Param() p: VenueIdParam, @Body() dto: FeedMomentDto, @Headers(FEED_TIMESTAMP_HEADER) timestamp?: string, @Headers(FEED_SIGNATURE_HEADER) signature?: string) {
    return this.feeds.feed(p.venueId, timestamp, signature, dto);
  }
}

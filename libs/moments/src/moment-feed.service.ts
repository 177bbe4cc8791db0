import { Inject, Injectable, Logger } from '@nestjs/common';
import { localSecret, Principal } from '@fanmesh/common';
import { APP_CONFIG, AppConfig } from '@fanmesh/config';
import { ReadingsDirectory, VenueDirectory } from '@fanmesh/directory';
import type { MomentView } from '@fanmesh/protocol';
import { evidenceTree } from './evidence';
import { FEED_MAX_SKEW_S, FeedMessage, FeedSecretBox, feedSignatureValid } from './feed-auth';
import { MomentDecisionsService } from './moment-decisions.service';
import { DETECTOR } from './moment-detector';
import { view } from './moment.mapper';
import { MomentRepository, MomentRow } from './moment.repository';
import type { MomentKind } from './moment.types';
import { MomentsError } from './moments.error';

/** A feed moment confirms a sensor candidate within this distance, else it creates its own. */
export const FEED_MATCH_MS = 60_000;

/**
 * The official match feed: venue secrets (shown once, sealed at rest) and HMAC-signed feed messages
 * that confirm the nearest sensor candidate or create the moment confirmed, with its
 * `moments.confirmed` event in the same transaction.
 */
@Injectable()
export class MomentFeedService {
  private readonly logger = new Logger(MomentFeedService.name);
  private readonly box: FeedSecretBox;

  constructor(
    private readonly repo: MomentRepository,
    private readonly readings: ReadingsDirectory,
    private readonly venues: VenueDirectory,
    private readonly decisions: MomentDecisionsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // Its own key root, never AUTH_SECRET: rotating the session key must not orphan the feeds, nor a leaked one open them.
    this.box = new FeedSecretBox(config.feedSecret ?? localSecret(config.dataDir, 'feed-secret'));
  }

  /** A new feed secret for a venue, returned once; stored encrypted. Replaces the previous one. */
  async rotateFeedSecret(venueId: string, who: Principal): Promise<{ venueId: string; secret: string; createdAt: string }> {
    await this.venues.getVenue(venueId); // 404 for an unknown venue
    const secret = FeedSecretBox.generate();
    await this.repo.setFeedSecret(venueId, this.box.seal(secret, venueId), who.subject);
    this.logger.log({ venueId, by: who.subject }, 'feed secret issued');
    return { venueId, secret, createdAt: new Date().toISOString() };
  }

  /**
   * An official feed message (HMAC-checked, fresh, never replayed): confirms the sensor candidate
   * nearest in time, or creates the moment confirmed. The same `ref` again changes nothing.
   */
  async feed(
    venueId: string,
    timestamp: string | undefined,
    signature: string | undefined,
    msg: FeedMessage & { kind: MomentKind; team?: 'home' | 'away' },
  ): Promise<{ moment: MomentView; changed: boolean }> {
    const sealed = await this.repo.feedSecret(venueId);
    if (!sealed) throw new MomentsError('feed_not_configured', `Venue ${venueId} has no feed secret; an admin issues one.`);
    if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signature) {
      throw new MomentsError('bad_feed_signature', 'Send x-fanmesh-timestamp (unix seconds) and x-fanmesh-signature (v1=<hex HMAC-SHA256>).');
    }
    const secret = this.box.tryOpen(sealed, venueId);
    if (secret === undefined) {
      throw new MomentsError('feed_not_configured', `Venue ${venueId}'s feed secret was sealed under another FEED_SECRET; an admin issues a new one.`);
    }
    if (!feedSignatureValid(secret, timestamp, venueId, msg, signature)) {
      throw new MomentsError('bad_feed_signature', 'The HMAC does not match this message and the venue’s feed secret.');
    }
    if (Math.abs(Number(timestamp) - Date.now() / 1000) > FEED_MAX_SKEW_S)
      throw new MomentsError('stale_feed_message', `The timestamp is more than ${FEED_MAX_SKEW_S} s from the server clock.`);
    const event = await this.venues.getEvent(msg.eventId).catch(() => undefined);
    if (!event) throw new MomentsError('event_not_found', `No event ${msg.eventId}.`);
    if (event.venueId !== venueId) throw new MomentsError('event_not_at_venue', `Event ${msg.eventId} is not at venue ${venueId}.`);
    const feedRef = `${venueId}:${msg.ref}`;
    const at = new Date(msg.at);
    const team = msg.kind === 'goal' ? (msg.team ?? null) : null;
    // Reads other contexts answer come first (a transaction never waits on a second connection):
    // the attendance at the moment the feed most likely confirms, and the evidence if it creates one.
    const likely = (await this.repo.near(undefined, msg.eventId, at, FEED_MATCH_MS)).find((m) => m.status === 'candidate');
    const likelyAttendance = await this.decisions.attendanceAt(msg.eventId, likely ? new Date(likely.at) : at);
    const ownAttendance = likely ? await this.decisions.attendanceAt(msg.eventId, at) : likelyAttendance;
    const evidence = await this.evidenceAround(msg.eventId, at);
    const outcome = await this.repo.transaction(async (tx): Promise<{ moment: MomentRow; changed: boolean }> => {
      await this.repo.lockEvent(tx, msg.eventId);
      if (!(await this.repo.receipt(tx, venueId, signature))) throw new MomentsError('feed_replayed', 'This exact feed message was received before.');
      const known = await this.repo.byFeedRef(tx, feedRef);
      if (known) return { moment: known, changed: false };
      const near = (await this.repo.near(tx, msg.eventId, at, FEED_MATCH_MS)).filter((m) => m.status !== 'rejected' && (m.status === 'candidate' || m.kind === msg.kind));
      const match = near.find((m) => m.status === 'candidate') ?? near[0];
      if (match?.status === 'confirmed') {
        await this.repo.setFeedRef(tx, match.id, feedRef);
        return { moment: match, changed: false };
      }
      if (match) {
        const attendance = match.id === likely?.id ? likelyAttendance : ownAttendance;
        await this.repo.confirm(tx, match.id, { kind: msg.kind, team, by: 'feed', decidedBy: `feed:${venueId}`, attendance, feedRef });
        return { moment: await this.decisions.confirmedIn(tx, match.id), changed: true };
      }
      const id = await this.repo.insert(tx, {
        eventId: msg.eventId,
        venueId,
        kind: msg.kind,
        team,
        at,
        status: 'confirmed',
        source: 'feed',
        signal: null,
        confirmedBy: 'feed',
        decidedBy: `feed:${venueId}`,
        feedRef,
        attendance: ownAttendance,
        evidenceRoot: evidence.root,
        evidenceContext: null,
        evidence: evidence.keys,
      });
      return { moment: await this.decisions.confirmedIn(tx, id), changed: true };
    });
    if (outcome.changed) await this.decisions.decided(outcome.moment);
    return { moment: view(outcome.moment, true), changed: outcome.changed };
  }

  /** For a feed-created moment: the envelopes carrying the sound readings within the window around it. */
  private async evidenceAround(eventId: string, at: Date): Promise<{ root: string; keys: { device: string; seq: number }[] }> {
    const samples = await this.readings.window(eventId, 'sound', at.getTime() - DETECTOR.windowMs, at.getTime() + DETECTOR.windowMs);
    const keys = [...new Map(samples.map((s) => [`${s.device}:${s.seq}`, { device: s.device, seq: s.seq }])).values()].slice(0, 256);
    const envelopes = await this.readings.envelopes(keys);
    return { root: evidenceTree(envelopes).root, keys: envelopes.map((e) => ({ device: e.deviceId, seq: e.seq })) };
  }
}

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QR_CLOCK_SKEW_SECONDS, QR_WINDOW_SECONDS, qrWindowVerdict, windowAt } from '@fanmesh/protocol';
import { DEMO_VENUE_ID } from '@fanmesh/venues';
import { adminPrincipal, RunningApp, startApp } from '../support/app';
import { clearOfWindowEdge, createEvent, IssuedTicket, issueTickets, openGates, qrFor } from '../support/tickets';

const WINDOW_MS = QR_WINDOW_SECONDS * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the next window starts between `min` and `max` ms from now (the span a test needs), and returns that start. */
async function untilBoundaryIn(min: number, max: number): Promise<number> {
  for (;;) {
    const next = (windowAt(Date.now()) + 1) * WINDOW_MS;
    const left = next - Date.now();
    if (left >= min && left <= max) return next;
    await sleep(left > max ? left - max + 20 : left + 20);
  }
}

describe('the rotating code and the phone clock', () => {
  it('takes the current and previous windows, the next one within the skew, and nothing else', () => {
    const start = 1_000 * WINDOW_MS; // the start of window 1000
    expect(qrWindowVerdict(1000, start)).toBe('current');
    expect(qrWindowVerdict(999, start + WINDOW_MS - 1)).toBe('previous');
    expect(qrWindowVerdict(998, start)).toBe('old');
    expect(qrWindowVerdict(1001, start + WINDOW_MS - QR_CLOCK_SKEW_SECONDS * 1000)).toBe('next');
    expect(qrWindowVerdict(1001, start + WINDOW_MS - QR_CLOCK_SKEW_SECONDS * 1000 - 1)).toBe('future');
    expect(qrWindowVerdict(1002, start + WINDOW_MS - 1)).toBe('future');
  });

  describe('at the gate', () => {
    let api: RunningApp;
    let steward: string;
    let gateId: string;
    let tickets: IssuedTicket[];
    const scan = async (code: string) =>
      (await request(api.url).post(`/api/v1/gates/${gateId}/scans`).set('authorization', steward).send({ code }).expect(200)).body as {
        decision: string;
        reason?: string;
        detail?: string;
      };

    beforeAll(async () => {
      api = await startApp('code-clock');
      const admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
      steward = `Bearer ${await api.tokenFor({ subject: '0x00000000000000000000000000000000000057c1', kind: 'account', roles: ['fan', `steward@${DEMO_VENUE_ID}`] })}`;
      const venue = (await request(api.url).get(`/api/v1/venues/${DEMO_VENUE_ID}`)).body;
      gateId = venue.gates.find((g: { code: string }) => g.code === 'N-A').id;
      const eventId = await createEvent(api.url, admin, DEMO_VENUE_ID, 'Clock night');
      tickets = await issueTickets(api.url, admin, eventId, 6, ['N101']);
      await openGates(api.url, admin, eventId);
    });
    afterAll(() => api?.close());

    it('admits a code of the next window from a phone a few seconds fast', async () => {
      const next = await untilBoundaryIn(2_000, QR_CLOCK_SKEW_SECONDS * 1000 - 3_000);
      const t = tickets[0];
      // the phone's clock is already past the boundary: it shows the next window's code
      expect(await scan(qrFor(t, t.wallet, 0, next + 100))).toMatchObject({ decision: 'admit' });
    });

    it("refuses a next-window code while that window is further away than the skew, saying the phone's clock is ahead", async () => {
      await untilBoundaryIn(QR_CLOCK_SKEW_SECONDS * 1000 + 1_500, WINDOW_MS - 500);
      const t = tickets[1];
      const res = await scan(qrFor(t, t.wallet, +1));
      expect(res).toMatchObject({ decision: 'deny', reason: 'future_code' });
      expect(res.detail).toMatch(/clock is more than \d+ s ahead/);
      // and the live code still admits
      expect((await scan(qrFor(t, t.wallet))).decision).toBe('admit');
    });

    it('refuses a code from far in the future', async () => {
      const t = tickets[2];
      for (const ahead of [2, 40, 10_000]) expect(await scan(qrFor(t, t.wallet, ahead))).toMatchObject({ decision: 'deny', reason: 'future_code' });
    });

    it('refuses an old code as expired_code, in words that say it is old', async () => {
      const t = tickets[3];
      await clearOfWindowEdge();
      expect((await scan(qrFor(t, t.wallet, -1))).decision).toBe('admit'); // the previous window is still taken
      const u = tickets[4];
      for (const back of [2, 5, 1_000]) {
        const res = await scan(qrFor(u, u.wallet, -back));
        expect(res).toMatchObject({ decision: 'deny', reason: 'expired_code' });
        expect(res.detail).toMatch(/^This code is old: it was made \d+ s ago/);
      }
    });
  });
});

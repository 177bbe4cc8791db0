import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPrincipal, fanPrincipal, RunningApp, staffPrincipal, startApp } from '../support/app';

const PROBLEM = /^application\/problem\+json/;

interface Section {
  code: string;
  name: string;
  capacity: number;
  neighbours: string[];
  seatMap: { rows: string[] } | null;
}

describe('venue set-up edits on Postgres', () => {
  let api: RunningApp;
  let admin: string;
  let venueId: string;

  const venue = async () =>
    (await request(api.url).get(`/api/v1/venues/${venueId}`).expect(200)).body as {
      name: string;
      capacity: number;
      sections: Section[];
      gates: { code: string; name: string; sectionCodes: string[] }[];
    };
  const section = async (code: string) => (await venue()).sections.find((s) => s.code === code)!;

  beforeAll(async () => {
    api = await startApp('venue-setup');
    admin = `Bearer ${await api.tokenFor(adminPrincipal)}`;
    const res = await request(api.url)
      .post('/api/v1/venues')
      .set('authorization', admin)
      .send({
        name: 'Harbour Park',
        city: 'Porto',
        timezone: 'Europe/Lisbon',
        sections: [
          { code: 'A1', name: 'Block A1', stand: 'north', tier: 1, capacity: 500, neighbours: ['A2'] },
          { code: 'A2', name: 'Block A2', stand: 'north', tier: 1, capacity: 400, neighbours: ['A1'] },
        ],
        gates: [{ code: 'G1', name: 'Gate 1', sectionCodes: ['A1'] }],
      })
      .expect(201);
    venueId = res.body.id;
  });
  afterAll(() => api?.close());

  describe('the venue', () => {
    it("edits a venue's name, city and time zone, and keeps what is left out", async () => {
      const res = await request(api.url)
        .patch(`/api/v1/venues/${venueId}`)
        .set('authorization', admin)
        .send({ name: 'Harbour Park Stadium', timezone: 'Europe/London' })
        .expect(200);
      expect(res.body).toMatchObject({ name: 'Harbour Park Stadium', city: 'Porto', timezone: 'Europe/London' });
    });

    it('refuses a time zone the server does not know, when editing and when creating', async () => {
      const edit = await request(api.url).patch(`/api/v1/venues/${venueId}`).set('authorization', admin).send({ timezone: 'Mars/Olympus_Mons' }).expect(422);
      expect(edit.headers['content-type']).toMatch(PROBLEM);
      expect(edit.body.code).toBe('bad_timezone');
      const create = await request(api.url).post('/api/v1/venues').set('authorization', admin).send({ name: 'Nowhere', city: 'X', timezone: 'Mars/Olympus_Mons' }).expect(422);
      expect(create.body.code).toBe('bad_timezone');
      expect((await venue()).name).toBe('Harbour Park Stadium');
    });

    it('refuses an unknown venue (404) and callers who are not admins (403, 401)', async () => {
      expect((await request(api.url).patch('/api/v1/venues/7c9e6679-7425-40de-944b-e07fc1f90aff').set('authorization', admin).send({ name: 'X' }).expect(404)).body.code).toBe(
        'venue_not_found',
      );
      const staff = `Bearer ${await api.tokenFor(staffPrincipal(venueId))}`;
      await request(api.url).patch(`/api/v1/venues/${venueId}`).set('authorization', staff).send({ name: 'X' }).expect(403);
      await request(api.url)
        .patch(`/api/v1/venues/${venueId}`)
        .set('authorization', `Bearer ${await api.tokenFor(fanPrincipal)}`)
        .send({ name: 'X' })
        .expect(403);
      await request(api.url).patch(`/api/v1/venues/${venueId}`).send({ name: 'X' }).expect(401);
    });
  });

  describe('a section', () => {
    it('edits the name, capacity and neighbours; the code stays', async () => {
      const res = await request(api.url)
        .patch(`/api/v1/venues/${venueId}/sections/A2`)
        .set('authorization', admin)
        .send({ name: 'Family block', capacity: 450, neighbours: ['A1'] })
        .expect(200);
      const a2 = res.body.sections.find((s: Section) => s.code === 'A2');
      expect(a2).toMatchObject({ name: 'Family block', capacity: 450, neighbours: ['A1'], seatMap: null });
      expect(res.body.capacity).toBe(950);
    });

    it('refuses an unknown section, an unknown neighbour and the section as its own neighbour', async () => {
      expect((await request(api.url).patch(`/api/v1/venues/${venueId}/sections/Z9`).set('authorization', admin).send({ name: 'X' }).expect(404)).body.code).toBe(
        'section_not_found',
      );
      const unknown = await request(api.url)
        .patch(`/api/v1/venues/${venueId}/sections/A1`)
        .set('authorization', admin)
        .send({ neighbours: ['B7'] })
        .expect(422);
      expect(unknown.body).toMatchObject({ code: 'bad_neighbour', unknown: ['B7'] });
      const self = await request(api.url)
        .patch(`/api/v1/venues/${venueId}/sections/A1`)
        .set('authorization', admin)
        .send({ neighbours: ['A1'] })
        .expect(422);
      expect(self.body.code).toBe('bad_neighbour');
      expect((await request(api.url).patch(`/api/v1/venues/${venueId}/sections/a1!`).set('authorization', admin).send({}).expect(400)).body.code).toBe('validation_failed');
      expect((await section('A1')).neighbours).toEqual(['A2']);
    });

    it("draws a seat map whose seats become the section's capacity, and removes it", async () => {
      const rows = ['####.####', '####.####', '###...###'];
      const res = await request(api.url).put(`/api/v1/venues/${venueId}/sections/A1/seat-map`).set('authorization', admin).send({ rows }).expect(200);
      const a1 = res.body.sections.find((s: Section) => s.code === 'A1');
      expect(a1.seatMap).toEqual({ rows });
      expect(a1.capacity).toBe(22);

      const typed = await request(api.url).patch(`/api/v1/venues/${venueId}/sections/A1`).set('authorization', admin).send({ capacity: 600 }).expect(409);
      expect(typed.body).toMatchObject({ code: 'capacity_from_seat_map', seats: 22 });
      await request(api.url).patch(`/api/v1/venues/${venueId}/sections/A1`).set('authorization', admin).send({ capacity: 22, name: 'Block A1 (lower)' }).expect(200);

      const removed = await request(api.url).delete(`/api/v1/venues/${venueId}/sections/A1/seat-map`).set('authorization', admin).expect(200);
      expect(removed.body.sections.find((s: Section) => s.code === 'A1')).toMatchObject({ seatMap: null, capacity: 22 });
      await request(api.url).patch(`/api/v1/venues/${venueId}/sections/A1`).set('authorization', admin).send({ capacity: 500 }).expect(200);
    });

    it('refuses a seat map with other characters, no seats, or no rows, and keeps the old one', async () => {
      await request(api.url)
        .put(`/api/v1/venues/${venueId}/sections/A2/seat-map`)
        .set('authorization', admin)
        .send({ rows: ['##'] })
        .expect(200);
      for (const rows of [['##x#'], ['....', '..'], ['']]) {
        const res = await request(api.url).put(`/api/v1/venues/${venueId}/sections/A2/seat-map`).set('authorization', admin).send({ rows }).expect(422);
        expect(res.body.code, JSON.stringify(rows)).toBe('bad_seat_map');
      }
      expect((await request(api.url).put(`/api/v1/venues/${venueId}/sections/A2/seat-map`).set('authorization', admin).send({ rows: [] }).expect(400)).body.code).toBe(
        'validation_failed',
      );
      expect(
        (
          await request(api.url)
            .put(`/api/v1/venues/${venueId}/sections/Z9/seat-map`)
            .set('authorization', admin)
            .send({ rows: ['#'] })
            .expect(404)
        ).body.code,
      ).toBe('section_not_found');
      expect((await section('A2')).seatMap).toEqual({ rows: ['##'] });
      await request(api.url).delete(`/api/v1/venues/${venueId}/sections/A2/seat-map`).set('authorization', admin).expect(200);
      await request(api.url).patch(`/api/v1/venues/${venueId}/sections/A2`).set('authorization', admin).send({ capacity: 450 }).expect(200);
    });
  });

  describe('a gate', () => {
    it('edits the sections a gate serves and its name', async () => {
      const res = await request(api.url)
        .patch(`/api/v1/venues/${venueId}/gates/G1`)
        .set('authorization', admin)
        .send({ name: 'Main gate', sectionCodes: ['A1', 'A2'] })
        .expect(200);
      expect(res.body.gates).toEqual([expect.objectContaining({ code: 'G1', name: 'Main gate', sectionCodes: ['A1', 'A2'] })]);
    });

    it('refuses a section the venue does not have and an unknown gate', async () => {
      const bad = await request(api.url)
        .patch(`/api/v1/venues/${venueId}/gates/G1`)
        .set('authorization', admin)
        .send({ sectionCodes: ['A1', 'Q5'] })
        .expect(422);
      expect(bad.body).toMatchObject({ code: 'unknown_section', unknown: ['Q5'] });
      expect((await request(api.url).patch(`/api/v1/venues/${venueId}/gates/G9`).set('authorization', admin).send({ name: 'X' }).expect(404)).body.code).toBe('gate_not_found');
      expect((await venue()).gates[0].sectionCodes).toEqual(['A1', 'A2']);
    });
  });

  describe('importing sections from CSV', () => {
    const importCsv = (csv: string, dryRun: boolean) => request(api.url).post(`/api/v1/venues/${venueId}/sections/import`).set('authorization', admin).send({ csv, dryRun });

    const GOOD = ['code,name,stand,tier,capacity,neighbours', 'B1,"Block B1, east",east,1,300,B2', 'B2,Block B2,east,1,320,B1 A2', 'A2,Family block,north,1,450,A1'].join('\r\n');

    it('previews every row, writes nothing, then imports the file whole', async () => {
      const preview = await importCsv(GOOD, true).expect(200);
      expect(preview.body).toMatchObject({ dryRun: true, applied: false, summary: { create: 2, update: 0, unchanged: 1, errors: 0 } });
      expect(preview.body.rows.map((r: { line: number; code: string; action: string }) => [r.line, r.code, r.action])).toEqual([
        [2, 'B1', 'create'],
        [3, 'B2', 'create'],
        [4, 'A2', 'unchanged'],
      ]);
      expect((await venue()).sections.map((s) => s.code)).toEqual(['A1', 'A2']);

      const applied = await importCsv(GOOD, false).expect(200);
      expect(applied.body).toMatchObject({ dryRun: false, applied: true, summary: { create: 2, unchanged: 1 } });
      const after = await venue();
      expect(after.sections.map((s) => s.code)).toEqual(['A1', 'A2', 'B1', 'B2']);
      expect(after.sections.find((s) => s.code === 'B1')).toMatchObject({ name: 'Block B1, east', capacity: 300, neighbours: ['B2'] });
      expect(after.sections.find((s) => s.code === 'B2')!.neighbours).toEqual(['B1', 'A2']);
    });

    it('changes nothing when the same file is imported again, and updates a changed row', async () => {
      const again = await importCsv(GOOD, false).expect(200);
      expect(again.body.summary).toEqual({ create: 0, update: 0, unchanged: 3, errors: 0 });
      const changed = await importCsv(GOOD.replace('B2,Block B2,east,1,320', 'B2,Block B2,east,2,320'), false).expect(200);
      expect(changed.body.summary).toMatchObject({ update: 1, unchanged: 2 });
      expect((await section('B2')).capacity).toBe(320);
    });

    it('lists every bad row with its reasons, and refuses to import while any remains', async () => {
      const csv = [
        'code,name,stand,tier,capacity,neighbours',
        'C1,Block C1,south,1,100,C3', // good
        'c-2!,Bad code,south,1,100,', // bad code
        'C1,Again,south,1,100,', // duplicate in the file
        'C3,=HYPERLINK("http://evil"),south,1,100,', // formula injection
        'C4,Block C4,middle,1,100,', // bad stand
        'C5,Block C5,south,12,100,', // bad tier
        'C6,Block C6,south,1,lots,', // bad capacity
        'C7,Block C7,south,1,100,C7 X9', // own neighbour, unknown neighbour
        'C8,@SUM(A1),south,1,+100,', // formula in two cells
        'C9,Short row,south', // missing cells
      ].join('\n');
      const before = (await venue()).sections.length;
      const preview = await importCsv(csv, true).expect(200);
      const byLine = Object.fromEntries(
        preview.body.rows.map((r: { line: number; action: string; problems: { code: string; column: string | null }[] }) => [
          r.line,
          r.action === 'error' ? r.problems.map((p) => `${p.code}:${p.column ?? '-'}`) : r.action,
        ]),
      );
      expect(byLine).toEqual({
        2: 'create',
        3: ['bad_code:code'],
        4: ['duplicate_code:code'],
        5: ['formula_cell:name'],
        6: ['bad_stand:stand'],
        7: ['bad_tier:tier'],
        8: ['bad_capacity:capacity'],
        9: ['self_neighbour:neighbours', 'unknown_neighbour:neighbours'],
        10: ['formula_cell:name', 'formula_cell:capacity'],
        11: ['wrong_column_count:-', 'bad_tier:tier', 'bad_capacity:capacity'],
      });
      expect(preview.body.summary).toEqual({ create: 1, update: 0, unchanged: 0, errors: 9 });
      for (const r of preview.body.rows) for (const p of r.problems) expect(p.reason.length).toBeGreaterThan(10);

      const refused = await importCsv(csv, false).expect(422);
      expect(refused.headers['content-type']).toMatch(PROBLEM);
      expect(refused.body.code).toBe('import_has_errors');
      expect(refused.body.rows).toHaveLength(9);
      expect((await venue()).sections.length).toBe(before);
    });

    it('refuses to change the capacity of a section whose seat map sets it', async () => {
      await request(api.url)
        .put(`/api/v1/venues/${venueId}/sections/B1/seat-map`)
        .set('authorization', admin)
        .send({ rows: ['#####'] })
        .expect(200);
      const res = await importCsv('code,name,stand,tier,capacity\nB1,"Block B1, east",east,1,300', true).expect(200);
      expect(res.body.rows[0].problems).toEqual([expect.objectContaining({ code: 'capacity_from_seat_map', column: 'capacity' })]);
      expect((await importCsv('code,name,stand,tier,capacity,neighbours\nB1,"Block B1, east",east,1,5,B2', true).expect(200)).body.summary.unchanged).toBe(1);
    });

    it('reads a semicolon-separated export with a byte-order mark and quoted line breaks', async () => {
      const csv = '\uFEFFcode;name;stand;tier;capacity;neighbours\r\nD1;"Block D1\r\n(away fans)";west;1;250;D2\r\nD2;Block D2;WEST;1;250;D1\r\n';
      const res = await importCsv(csv, true).expect(200);
      expect(res.body.rows.map((r: { line: number; action: string }) => [r.line, r.action])).toEqual([
        [2, 'create'],
        [4, 'create'],
      ]);
    });

    it('refuses, for the whole file: too large, too many rows, not UTF-8, a bad header, an open quote, no rows', async () => {
      const big = 'code,name,stand,tier,capacity\n' + Array.from({ length: 1600 }, (_, i) => `E${i},${'x'.repeat(36)},east,1,10`).join('\n');
      expect((await importCsv(big, true).expect(413)).body.code).toBe('csv_too_large');
      const many = 'code,name,stand,tier,capacity\n' + Array.from({ length: 501 }, (_, i) => `E${i},E,east,1,1`).join('\n');
      expect((await importCsv(many, true).expect(413)).body).toMatchObject({ code: 'csv_too_large', maxRows: 500 });
      // Latin-1 bytes read as UTF-8 come out as U+FFFD: the file was not saved as UTF-8.
      const latin1 = new TextDecoder('utf-8').decode(Buffer.from('code,name,stand,tier,capacity\nF1,Bancada S\xe3o,east,1,10', 'latin1'));
      expect((await importCsv(latin1, true).expect(422)).body.code).toBe('csv_encoding');
      const header = await importCsv('code,title,stand,tier\nF1,x,east,1', true).expect(422);
      expect(header.body).toMatchObject({ code: 'csv_malformed', missing: ['name', 'capacity'], unknown: ['title'] });
      expect((await importCsv('code,name,stand,tier,capacity\nF1,"open,east,1,10', true).expect(422)).body.code).toBe('csv_malformed');
      expect((await importCsv('code,name,stand,tier,capacity\n', true).expect(422)).body.code).toBe('csv_malformed');
      expect((await importCsv('', true).expect(422)).body.code).toBe('csv_malformed');
      expect((await importCsv('code\u0000,name', true).expect(400)).body.code).toBe('invalid_text');
      expect((await request(api.url).post(`/api/v1/venues/${venueId}/sections/import`).set('authorization', admin).send({ csv: GOOD }).expect(400)).body.code).toBe(
        'validation_failed',
      );
    });

    it('refuses an import for an unknown venue and by staff', async () => {
      expect(
        (
          await request(api.url)
            .post('/api/v1/venues/7c9e6679-7425-40de-944b-e07fc1f90aff/sections/import')
            .set('authorization', admin)
            .send({ csv: GOOD, dryRun: true })
            .expect(404)
        ).body.code,
      ).toBe('venue_not_found');
      await request(api.url)
        .post(`/api/v1/venues/${venueId}/sections/import`)
        .set('authorization', `Bearer ${await api.tokenFor(staffPrincipal(venueId))}`)
        .send({ csv: GOOD, dryRun: true })
        .expect(403);
    });
  });
});

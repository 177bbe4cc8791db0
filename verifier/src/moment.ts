import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { AbiCoder, Contract, getAddress, keccak256, recoverAddress } from 'ethers';
import {
  envelopeDigest,
  MOMENT_KINDS,
  momentContextDigest,
  uuidToBytes32,
  type MomentContextDevice,
  type MomentEvidenceContext,
  type MomentEvidenceView,
  type MomentRuleParams,
} from '@fanmesh/protocol';
import { ChainReader, type Addresses } from './chain';
import { PublicApi } from './http';
import { Printer, Report, VerifyError } from './report';

/**
 * `verify moment <id>`: checks a confirmed moment from its public evidence (GET /moments/:id/evidence)
 * and the chain alone (docs/sensing-moments.md "Checking a moment", docs/protocol.md):
 *  1. the record: the on-chain record the evidence names is this moment's (id, event, kind, time, root);
 *  2. signatures: every envelope was signed, as it stands, by its device's key;
 *  3. evidence root: the envelopes' digests and the context's digest make exactly the attested root;
 *  4. the rule: re-run from its documented description (below) on the published readings — each
 *     sensor's baseline, its spikes, the burst, the quorum and the moment's time;
 *  5. chain: MomentAttestor holds this exact record's commitment, not revoked.
 * Who owned a sensor and in which section it was are the operator's word, committed under the root
 * (they cannot change after the attestation): said as such.
 */
export interface MomentOptions {
  api: string;
  rpc: string;
  momentId: string;
  addresses?: Addresses;
  fromBlock?: number;
  print?: Printer;
}

/** Version 1 of `sound-quorum` as docs/sensing-moments.md documents it: every sensor counted at its weight. */
const SOUND_QUORUM_V1: MomentRuleParams = {
  name: 'sound-quorum',
  version: 1,
  windowMs: 5_000,
  spikeDb: 12,
  floorDb: 85,
  ambientPercentile: 0.2,
  minDevices: 3,
  minOwners: 2,
  minSections: 2,
  minWeight: 2.5,
};

/** The rule's versions this verifier knows (2 adds established owners and counts a copied series once). */
const DOCUMENTED_RULES: Record<string, MomentRuleParams> = {
  'sound-quorum@1': SOUND_QUORUM_V1,
  'sound-quorum@2': { ...SOUND_QUORUM_V1, version: 2, minEstablishedOwners: 2 },
};

const MOMENT_TUPLE = 'tuple(bytes32 momentId, bytes32 eventId, uint8 kind, uint64 timestamp, uint32 attendance, bytes32 evidenceRoot)';
const ATTESTOR_ABI = [`function verify(${MOMENT_TUPLE} moment) view returns (bool attested, bool revoked)`, 'function commitmentOf(bytes32 momentId) view returns (bytes32)'];
const ZERO_HASH = '0x' + '00'.repeat(32);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Sample {
  device: string;
  at: number;
  value: number;
}

/** Runs every check and prints one line each, then the verdict. */
export async function verifyMomentReport(o: MomentOptions): Promise<Report> {
  if (!UUID.test(o.momentId)) throw new VerifyError(`moment id must be a UUID, not ${JSON.stringify(o.momentId)}`);
  const report = new Report(`moment ${o.momentId}`, o.print);
  const api = new PublicApi(o.api);
  const ev = await api.json<MomentEvidenceView>(`/moments/${o.momentId}/evidence`);
  const chain = await new ChainReader({ rpc: o.rpc, api, addresses: o.addresses, fromBlock: o.fromBlock }).connect();
  try {
    o.print?.(`moment ${o.momentId}: ${ev.kind} at ${ev.at}, ${ev.envelopes.length} signed envelopes, on chain ${chain.chainId}`);
    checkRecord(report, o.momentId, ev);
    checkSignatures(report, ev);
    checkRoot(report, ev);
    checkRule(report, ev);
    await checkChain(report, ev, chain);
  } finally {
    chain.destroy();
  }
  return report.end();
}

/** The brief's form: true when every check passed; the lines go to `log`. */
export async function verifyMoment(opts: { api: string; rpc: string; momentId: string; log: (line: string) => void }): Promise<boolean> {
  return (await verifyMomentReport({ api: opts.api, rpc: opts.rpc, momentId: opts.momentId, print: opts.log })).ok;
}

// ---------------------------------------------------------------- 1. the record

function checkRecord(report: Report, momentId: string, ev: MomentEvidenceView): void {
  const r = ev.record;
  const problems: string[] = [];
  if (r.momentId.toLowerCase() !== uuidToBytes32(momentId).toLowerCase()) problems.push(`its momentId ${r.momentId} is not ${momentId}'s`);
  if (r.eventId.toLowerCase() !== uuidToBytes32(ev.eventId).toLowerCase()) problems.push(`its eventId ${r.eventId} is not event ${ev.eventId}'s`);
  if (r.kind !== MOMENT_KINDS.indexOf(ev.kind)) problems.push(`its kind ${r.kind} is not ${ev.kind} (${MOMENT_KINDS.indexOf(ev.kind)})`);
  if (BigInt(r.timestamp) !== BigInt(Math.floor(Date.parse(ev.at) / 1000))) problems.push(`its timestamp ${r.timestamp} is not ${ev.at}`);
  if (r.evidenceRoot.toLowerCase() !== ev.evidenceRoot.toLowerCase()) problems.push(`its evidenceRoot ${r.evidenceRoot} is not the evidence's ${ev.evidenceRoot}`);
  report.check(
    'record',
    !problems.length,
    `momentId ${r.momentId}, kind ${r.kind} (${ev.kind}), timestamp ${r.timestamp}, attendance ${r.attendance}, evidenceRoot ${r.evidenceRoot}`,
    `the record does not describe this moment: ${problems.join('; ')}`,
  );
}

// ---------------------------------------------------------------- 2. signatures

function checkSignatures(report: Report, ev: MomentEvidenceView): void {
  if (!ev.envelopes.length) {
    report.skip('signatures', 'no signed envelopes: the moment has no sensor evidence');
    return;
  }
  const bad: string[] = [];
  for (const e of ev.envelopes) {
    const digest = envelopeDigest(e.deviceId, e.seq, e.sentAt, e.body);
    let signer = '';
    try {
      signer = recoverAddress(digest, e.signature).toLowerCase();
    } catch {
      signer = '(no valid signature)';
    }
    if (signer !== e.deviceId.toLowerCase())
      bad.push(`envelope ${e.deviceId}#${e.seq}: its signature recovers ${signer}, not the device: the body or a field was changed after signing`);
    else if (digest !== e.digest.toLowerCase()) bad.push(`envelope ${e.deviceId}#${e.seq}: the published digest ${e.digest} is not its digest ${digest}`);
  }
  report.check(
    'signatures',
    !bad.length,
    `${ev.envelopes.length} envelopes, each signed by its device as published`,
    `${bad.length} of ${ev.envelopes.length} envelopes fail: ${bad.slice(0, 3).join('; ')}${bad.length > 3 ? '; …' : ''}`,
  );
}

// ---------------------------------------------------------------- 3. the evidence root

function checkRoot(report: Report, ev: MomentEvidenceView): void {
  const leaves = ev.envelopes.map((e) => envelopeDigest(e.deviceId, e.seq, e.sentAt, e.body));
  if (ev.context !== null) leaves.push(momentContextDigest(ev.context));
  if (!ev.envelopes.length) {
    report.check('evidence root', ev.evidenceRoot === ZERO_HASH, 'zero (no sensor evidence)', `no envelopes, but the root is ${ev.evidenceRoot}, not zero`);
    return;
  }
  const rebuilt = StandardMerkleTree.of(
    leaves.map((l) => [l]),
    ['bytes32'],
  ).root;
  const badProofs = ev.envelopes.filter((e, i) => !StandardMerkleTree.verify(ev.evidenceRoot, ['bytes32'], [leaves[i]], e.proof)).length;
  const contextProofOk = ev.context === null || (ev.contextProof !== null && StandardMerkleTree.verify(ev.evidenceRoot, ['bytes32'], [leaves[leaves.length - 1]], ev.contextProof));
  report.check(
    'evidence root',
    rebuilt === ev.evidenceRoot.toLowerCase() && !badProofs && contextProofOk,
    `${leaves.length} leaves (${ev.envelopes.length} envelopes${ev.context !== null ? ' and the rule context' : ''}) rebuild ${rebuilt}, every proof holds`,
    rebuilt !== ev.evidenceRoot.toLowerCase()
      ? `the published envelopes${ev.context !== null ? ' and context' : ''} rebuild ${rebuilt}, not the attested root ${ev.evidenceRoot}: a reading, an envelope or the context differs from what was attested`
      : `${badProofs} envelope proofs${contextProofOk ? '' : ' and the context proof'} do not lead to the root`,
  );
}

// ---------------------------------------------------------------- 4. the rule

function checkRule(report: Report, ev: MomentEvidenceView): void {
  if (ev.context === null) {
    if (ev.source === 'feed') report.skip('rule', 'the official feed created this moment: no sensor rule raised it (its readings around it are published as evidence)');
    else report.skip('rule', 'the evidence holds no rule context (a moment raised before contexts were published): the rule cannot be re-run');
    return;
  }
  let c: MomentEvidenceContext;
  try {
    c = JSON.parse(ev.context) as MomentEvidenceContext;
  } catch {
    report.fail('rule', 'the context is not JSON');
    return;
  }
  const documented = DOCUMENTED_RULES[`${c.rule?.name}@${c.rule?.version}`];
  if (!documented) {
    report.fail('rule', `the context names rule ${c.rule?.name} version ${c.rule?.version}, which this verifier does not know`);
    return;
  }
  const changed = (Object.keys(documented) as (keyof MomentRuleParams)[]).filter((k) => c.rule[k] !== documented[k]);
  if (
    !report.check(
      'rule',
      !changed.length && c.eventId === ev.eventId,
      `${documented.name} v${documented.version} with its documented parameters`,
      `the context's rule or event differs from the documented one: ${[...changed, ...(c.eventId === ev.eventId ? [] : ['eventId'])].join(', ')}`,
    )
  )
    return;
  const p = documented;
  const devices = new Map(c.devices.map((d) => [d.device.toLowerCase(), d]));

  // the samples: every sound reading of the context's sensors in the envelopes, within the span
  const samples: Sample[] = [];
  const wrongEvent: string[] = [];
  for (const e of ev.envelopes) {
    const device = e.deviceId.toLowerCase();
    if (!devices.has(device)) continue;
    let body: { eventId?: string; readings?: unknown[] };
    try {
      body = JSON.parse(e.body) as typeof body;
    } catch {
      wrongEvent.push(`${device}#${e.seq} (not JSON)`);
      continue;
    }
    if (body.eventId !== c.eventId) wrongEvent.push(`${device}#${e.seq}`);
    for (const r of body.readings ?? []) {
      if (!Array.isArray(r) || r[0] !== 'sound' || typeof r[1] !== 'number' || typeof r[2] !== 'number') continue;
      if (r[1] < c.samples.fromMs || r[1] > c.samples.toMs) continue;
      samples.push({ device, at: Math.round(r[1]), value: r[2] });
    }
  }
  if (wrongEvent.length) report.fail('readings', `envelopes of another event (or unreadable) among the evidence: ${wrongEvent.slice(0, 3).join(', ')}`);

  // baselines: the ambient level (the percentile of each sensor's readings) and its spike threshold
  const values = new Map<string, number[]>();
  for (const s of samples) (values.get(s.device) ?? values.set(s.device, []).get(s.device)!).push(s.value);
  const threshold = new Map<string, number>();
  const baselineProblems: string[] = [];
  for (const d of c.devices) {
    const v = [...(values.get(d.device.toLowerCase()) ?? [])].sort((a, b) => a - b);
    if (!v.length) {
      baselineProblems.push(`${d.device}: no readings published`);
      continue;
    }
    const ambientDb = v[Math.floor((v.length - 1) * p.ambientPercentile)];
    const thresholdDb = Math.max(p.floorDb, ambientDb + p.spikeDb);
    threshold.set(d.device.toLowerCase(), thresholdDb);
    if (ambientDb !== d.ambientDb || thresholdDb !== d.thresholdDb || v.length !== d.readings)
      baselineProblems.push(
        `${d.device}: its ${v.length} published readings give ambient ${ambientDb} dB and threshold ${thresholdDb} dB, the context says ${d.readings} readings, ${d.ambientDb} dB and ${d.thresholdDb} dB`,
      );
  }
  if (
    !report.check(
      'baseline',
      !baselineProblems.length,
      c.devices.map((d) => `${short(d.device)} ambient ${d.ambientDb} dB over ${d.readings} readings, spikes from ${d.thresholdDb} dB`).join('; '),
      baselineProblems.slice(0, 3).join('; '),
    )
  )
    return;

  // version 2: one source is one sensor, so no two sensors of the quorum may have sent the same series
  if (p.minEstablishedOwners !== undefined) {
    const bySeries = new Map<string, string[]>();
    for (const d of c.devices) {
      const device = d.device.toLowerCase();
      const key = samples
        .filter((s) => s.device === device)
        .sort((a, b) => a.at - b.at)
        .map((s) => s.value)
        .join(',');
      bySeries.set(key, [...(bySeries.get(key) ?? []), device]);
    }
    const copies = [...bySeries.values()].filter((same) => same.length > 1);
    if (
      !report.check(
        'copies',
        !copies.length,
        `${c.devices.length} independent series (no sensor sent another's readings)`,
        `identical series from different sensors counted separately: ${copies.map((same) => same.map(short).join(' = ')).join('; ')}`,
      )
    )
      return;
  }

  // spikes chained into bursts; the burst the context names
  const spikes = samples.filter((s) => s.value >= threshold.get(s.device)!).sort((a, b) => a.at - b.at || a.device.localeCompare(b.device));
  const groups: Sample[][] = [];
  for (const s of spikes) {
    const last = groups[groups.length - 1];
    if (last && s.at - last[last.length - 1].at <= p.windowMs) last.push(s);
    else groups.push([s]);
  }
  const g = groups.find((x) => x[0].at === c.burst.fromMs);
  if (!g) {
    report.fail(
      'burst',
      `the published readings make no burst of spikes starting at ${iso(c.burst.fromMs)} (bursts start at ${groups.map((x) => iso(x[0].at)).join(', ') || 'none'})`,
    );
    return;
  }
  const first = new Map<string, Sample>();
  for (const s of g) if (!first.has(s.device)) first.set(s.device, s);
  const order = [...first.keys()];
  const peak = Math.max(...g.map((s) => s.value));
  const burstProblems: string[] = [];
  if (g[g.length - 1].at !== c.burst.toMs) burstProblems.push(`it ends at ${iso(g[g.length - 1].at)}, not ${iso(c.burst.toMs)}`);
  if (peak !== c.burst.peakDb) burstProblems.push(`its peak is ${peak} dB, not ${c.burst.peakDb} dB`);
  if (order.join() !== c.devices.map((d) => d.device.toLowerCase()).join())
    burstProblems.push(`its sensors are ${order.map(short).join(', ')}, the context lists ${c.devices.map((d) => short(d.device)).join(', ')}`);
  for (const d of c.devices)
    if (first.get(d.device.toLowerCase()) && first.get(d.device.toLowerCase())!.at !== d.firstSpikeMs)
      burstProblems.push(`${short(d.device)} first spiked at ${iso(first.get(d.device.toLowerCase())!.at)}`);
  if (
    !report.check(
      'burst',
      !burstProblems.length,
      `${g.length} spikes from ${iso(g[0].at)} to ${iso(g[g.length - 1].at)}, ${order.length} sensors, peak ${peak} dB`,
      burstProblems.join('; '),
    )
  )
    return;

  // the quorum, walked in the order of first spikes: when it was first met is the moment's time
  let n = 0;
  let weight = 0;
  let at: number | undefined;
  const owners = new Set<string>();
  const established = new Set<string>();
  const sections = new Set<string>();
  const minEstablished = p.minEstablishedOwners ?? 0;
  for (const device of order) {
    const d = devices.get(device) as MomentContextDevice;
    n++;
    weight += d.weight;
    owners.add(d.owner.toLowerCase());
    if (d.established) established.add(d.owner.toLowerCase());
    sections.add(d.section);
    if (at === undefined && n >= p.minDevices && owners.size >= p.minOwners && established.size >= minEstablished && sections.size >= p.minSections && weight >= p.minWeight - 1e-9)
      at = first.get(device)!.at;
  }
  const weightsOk = c.devices.every((d) => d.weight > 0 && d.weight <= 1);
  // version 2: established trust is full trust, so a sensor marked established at a lower weight was not
  const establishedOk = p.minEstablishedOwners === undefined || c.devices.every((d) => typeof d.established === 'boolean' && d.established === d.weight >= 1);
  const tally =
    `${n} sensors (≥ ${p.minDevices}), ${owners.size} owners (≥ ${p.minOwners})` +
    (p.minEstablishedOwners === undefined ? '' : `, ${established.size} with established trust (≥ ${p.minEstablishedOwners})`) +
    `, ${sections.size} sections (≥ ${p.minSections}), weight ${round(weight)} (≥ ${p.minWeight})`;
  if (
    !report.check(
      'quorum',
      at !== undefined && weightsOk && establishedOk,
      `${tally}; owners, sections and weights are the operator's, committed under the root`,
      `not met: ${tally}${weightsOk ? '' : '; a weight outside (0, 1]'}${establishedOk ? '' : '; a sensor marked established without full trust'}`,
    )
  )
    return;
  const recordSeconds = BigInt(ev.record.timestamp);
  report.check(
    'time',
    at === c.burst.atMs && BigInt(Math.floor(at! / 1000)) === recordSeconds,
    `the quorum was first met at ${iso(at!)}, the attested time (${recordSeconds} s)`,
    `the quorum was first met at ${iso(at!)}; the context says ${iso(c.burst.atMs)} and the record ${recordSeconds} s`,
  );
}

// ---------------------------------------------------------------- 5. the chain

async function checkChain(report: Report, ev: MomentEvidenceView, chain: ChainReader): Promise<void> {
  if (!ev.chain) {
    report.fail('chain', 'the evidence names no chain: the moment is not attested');
    return;
  }
  if (ev.chain.chainId !== undefined && ev.chain.chainId !== chain.chainId) {
    report.fail('chain', `the evidence is attested on chain ${ev.chain.chainId}, the node at --rpc is chain ${chain.chainId}`);
    return;
  }
  const address = chain.addresses.MomentAttestor ? chain.address('MomentAttestor') : getAddress(ev.chain.contract);
  if (address.toLowerCase() !== ev.chain.contract.toLowerCase()) {
    report.fail('chain', `the evidence names MomentAttestor ${ev.chain.contract}, ${chain.source || 'the API'} says ${address}`);
    return;
  }
  const record = { ...ev.record, timestamp: BigInt(ev.record.timestamp) };
  const h = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode([MOMENT_TUPLE], [record]))) & ~1n;
  const commitment = `0x${(h === 0n ? 2n : h).toString(16).padStart(64, '0')}`;
  if (commitment !== ev.commitment.toLowerCase()) report.fail('commitment', `the record hashes to ${commitment}, the evidence says ${ev.commitment}`);
  const attestor = new Contract(address, ATTESTOR_ABI, chain.provider);
  const stored = ((await attestor.commitmentOf(record.momentId)) as string).toLowerCase();
  const [attested, revoked] = (await attestor.verify(record)) as [boolean, boolean];
  report.check(
    'chain',
    attested && !revoked,
    `MomentAttestor ${address} on chain ${chain.chainId} holds this record's commitment ${commitment}, not revoked`,
    !attested
      ? stored === ZERO_HASH
        ? `MomentAttestor ${address} has no attestation for ${record.momentId} (not attested yet?)`
        : `MomentAttestor ${address} holds ${stored} for this moment, not the published record's commitment ${commitment}: the record differs from what was attested`
      : `the attestation was revoked`,
  );
}

const short = (a: string) => `${a.slice(0, 8)}…`;
const iso = (ms: number) => new Date(ms).toISOString();
const round = (x: number) => Math.round(x * 1000) / 1000;

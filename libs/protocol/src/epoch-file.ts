/**
 * An epoch's public file: every leaf of the epoch's reward tree (account, cumulative amount) with the
 * per-kind breakdown of that amount from the ledger, so anyone can rebuild the root, check that the
 * set is complete and see what each amount is for. Its keccak256, over exactly the bytes
 * `encodeEpochFile` writes, is committed on chain beside the root (RewardDistributor's
 * `RootPublished(epochId, root, total, fileHash)`); docs/rewards.md "Check it yourself".
 */

/** The format tag; a change to the layout below gets a new one. */
export const EPOCH_FILE_FORMAT = 'fanmesh.epoch-file/1';

/** The leaf encoding: OpenZeppelin StandardMerkleTree leaves of (account, cumulative amount). */
export const EPOCH_LEAF_ENCODING = ['address', 'uint256'] as const;

export interface EpochFileLeaf {
  /** lower-case 0x address */
  account: string;
  /** lifetime amount through this epoch, decimal string of the smallest token unit */
  cumulative: string;
  /** the same amount split by reward kind (lifetime too): kinds sorted, zero kinds left out; sums to `cumulative` */
  byKind: Record<string, string>;
}

export interface EpochFile {
  format: typeof EPOCH_FILE_FORMAT;
  epochId: string;
  eventId: string;
  /** the paid epoch before this one (its leaves are included in these cumulative amounts), or null */
  previousEpochId: string | null;
  root: string;
  /** the sum of every leaf's cumulative amount */
  total: string;
  accounts: number;
  leafEncoding: typeof EPOCH_LEAF_ENCODING;
  /** sorted by account, ascending (byte order of the lower-case hex) */
  leaves: EpochFileLeaf[];
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const ADDRESS = /^0x[0-9a-f]{40}$/;
const HASH = /^0x[0-9a-f]{64}$/;
const AMOUNT = /^(0|[1-9][0-9]*)$/;
/** Strings the file may hold verbatim: JSON.stringify would escape none of these characters. */
const PLAIN = /^[A-Za-z0-9_.:/-]*$/;

function plain(v: string, what: string, pattern = PLAIN): string {
  if (typeof v !== 'string' || !pattern.test(v)) throw new Error(`epoch file: ${what} ${JSON.stringify(v)} is not allowed`);
  return `"${v}"`;
}

/**
 * The canonical bytes of an epoch file (as a string; UTF-8, all ASCII): JSON with no whitespace, the
 * keys in the order of the `EpochFile` interface above, leaves sorted by account and each leaf's kinds
 * sorted, zero kinds left out. The same file always gives the same bytes, so its hash is a commitment
 * to its content. Built as a string (a 100,000-leaf file in tens of milliseconds); every value is
 * checked to need no JSON escaping, so the bytes equal JSON.stringify's of the same object.
 */
export function encodeEpochFile(f: EpochFile): string {
  const parts: string[] = [];
  let previous = '';
  for (const l of f.leaves) {
    const account = l.account.toLowerCase();
    if (!ADDRESS.test(account)) throw new Error(`epoch file: account ${JSON.stringify(l.account)} is not an address`);
    if (account <= previous) throw new Error(`epoch file leaves out of order at ${account}`);
    previous = account;
    const kinds = Object.keys(l.byKind)
      .filter((k) => l.byKind[k] !== '0')
      .sort(byteOrder)
      .map((k) => `${plain(k, 'kind')}:${plain(l.byKind[k], 'amount', AMOUNT)}`);
    parts.push(`{"account":"${account}","cumulative":${plain(l.cumulative, 'amount', AMOUNT)},"byKind":{${kinds.join(',')}}}`);
  }
  return (
    `{"format":"${EPOCH_FILE_FORMAT}","epochId":${plain(f.epochId, 'epochId', AMOUNT)},"eventId":${plain(f.eventId, 'eventId')}` +
    `,"previousEpochId":${f.previousEpochId === null ? 'null' : plain(f.previousEpochId, 'previousEpochId', AMOUNT)}` +
    `,"root":${plain(f.root.toLowerCase(), 'root', HASH)},"total":${plain(f.total, 'total', AMOUNT)},"accounts":${f.leaves.length}` +
    `,"leafEncoding":["address","uint256"],"leaves":[${parts.join(',')}]}`
  );
}

/** The same leaves as CSV: `account,cumulative,<kind>…` (every kind of the file, sorted; 0 where a leaf has none). Not hashed. */
export function epochFileCsv(f: EpochFile): string {
  const kinds = [...new Set(f.leaves.flatMap((l) => Object.keys(l.byKind)))].sort(byteOrder);
  const lines = [['account', 'cumulative', ...kinds].join(',')];
  for (const l of f.leaves) lines.push([l.account, l.cumulative, ...kinds.map((k) => l.byKind[k] ?? '0')].join(','));
  return lines.join('\n') + '\n';
}

/** One published epoch in `GET /api/v1/epochs`. */
export interface PublishedEpochView {
  id: string;
  eventId: string;
  root: string;
  total: string;
  accounts: number;
  /** keccak256 of the file's bytes (null for an epoch published before files existed) */
  fileHash: string | null;
  /** the publishRoot transaction (null when it could not be read back from the chain) */
  txHash: string | null;
  publishedAt: string;
  /** where to download the file */
  files: { json: string; csv: string; leaves: string } | null;
}

/** `GET /api/v1/epochs`: every published epoch, oldest first, and where their roots are. */
export interface PublishedEpochsView {
  chainId: number | null;
  distributor: string | null;
  epochs: PublishedEpochView[];
}

/** `GET /api/v1/epochs/:epochId/leaves`: a page of the file's leaves, by account. */
export interface EpochLeavesPage {
  epochId: string;
  leaves: EpochFileLeaf[];
  /** pass as `cursor` for the next page; null on the last */
  next: string | null;
}

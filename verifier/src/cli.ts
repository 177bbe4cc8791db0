/**
 * `npm run verify -- <what> <id> [options]`: checks FanMesh's payouts and results from public data
 * alone (the public HTTP API and a JSON-RPC node), sharing no code with the server but the wire
 * contract (@fanmesh/protocol). One line per check, then a VERDICT line.
 *
 *   verify epoch <n>     the epoch file against RewardDistributor's RootPublished: hash, root, total,
 *                        breakdown, and never-decreasing amounts against the previous epoch
 *   verify poll <id>     the published ballots recounted against PollAttestor's attested tally
 *   verify moment <id>   a moment's evidence against MomentAttestor
 *
 * Exit codes: 0 every check passed, 1 a mismatch (the report says which check and why), 2 the
 * verification could not run (bad arguments, the API or the node unreachable).
 */
import { CONTRACT_NAMES, flagOf, publishedRpcUrl, type Addresses } from './chain';
import { verifyEpoch } from './epoch';
import { verifyMomentReport } from './moment';
import { PublicApi } from './http';
import { verifyPoll } from './poll';
import { Report, VerifyError } from './report';

const USAGE = `usage: npm run verify -- <epoch|poll|moment> <id> [options]

  --api <url>            the FanMesh API (default http://localhost:3000)
  --rpc <url>            a JSON-RPC node of the chain (default: the rpcUrl the API publishes)
  --file <path>          epoch: check this local copy of the epoch file instead of downloading it
  --previous-file <path> epoch: likewise for the previous epoch's file
  --ballots <path>       poll: recount this local copy of GET /api/v1/polls/<id>/ballots
  --from-block <n>       scan logs from this block (the contracts' deployment; default 0)
  --distributor, --attestor, --token, --moment-attestor, --registry <address>
                         pin a contract address instead of taking the one the API publishes`;

export interface CliOptions {
  what: string;
  id: string;
  api: string;
  rpc?: string;
  file?: string;
  previousFile?: string;
  ballots?: string;
  fromBlock?: number;
  addresses: Addresses;
}

export function parseArgs(argv: string[]): CliOptions {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new VerifyError(`--${name} needs a value`);
      flags[name] = value;
    } else positional.push(a);
  }
  const known = new Set(['api', 'rpc', 'file', 'previous-file', 'ballots', 'from-block', ...CONTRACT_NAMES.map(flagOf)]);
  for (const name of Object.keys(flags)) if (!known.has(name)) throw new VerifyError(`unknown option --${name}`);
  const [what, id, ...rest] = positional;
  if (!what || !id || rest.length) throw new VerifyError('give what to verify and its id');
  if (flags['from-block'] !== undefined && !/^[0-9]+$/.test(flags['from-block'])) throw new VerifyError('--from-block must be a block number');
  const addresses = Object.fromEntries(CONTRACT_NAMES.map((n) => [n, flags[flagOf(n)]]).filter(([, v]) => v)) as Addresses;
  return {
    what,
    id,
    api: flags.api ?? 'http://localhost:3000',
    rpc: flags.rpc,
    file: flags.file,
    previousFile: flags['previous-file'],
    ballots: flags.ballots,
    fromBlock: flags['from-block'] === undefined ? undefined : Number(flags['from-block']),
    addresses,
  };
}

/** Runs one verification and prints its lines; resolves to the exit code. */
export async function run(argv: string[], print: (line: string) => void = (l) => console.log(l)): Promise<number> {
  let report: Report;
  try {
    const o = parseArgs(argv);
    const rpc = o.rpc ?? (await publishedRpcUrl(new PublicApi(o.api)));
    if (!rpc) throw new VerifyError(`no --rpc given, and ${o.api} publishes no JSON-RPC URL`);
    const common = { api: o.api, rpc, addresses: o.addresses, fromBlock: o.fromBlock, print };
    switch (o.what) {
      case 'epoch':
        report = await verifyEpoch({ ...common, epochId: o.id, file: o.file, previousFile: o.previousFile });
        break;
      case 'poll':
        report = await verifyPoll({ ...common, pollId: o.id, ballots: o.ballots });
        break;
      case 'moment':
        report = await verifyMomentReport({ ...common, momentId: o.id });
        break;
      default:
        throw new VerifyError(`cannot verify ${JSON.stringify(o.what)}: epoch, poll or moment`);
    }
  } catch (err) {
    if (!(err instanceof VerifyError)) throw err;
    print(`ERROR ${err.message}`);
    if (/give what|unknown option|needs a value|cannot verify/.test(err.message)) print(USAGE);
    return 2;
  }
  return report.ok ? 0 : 1;
}

if (typeof require !== 'undefined' && require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`ERROR ${(err as Error).stack ?? String(err)}`);
      process.exit(2);
    },
  );
}

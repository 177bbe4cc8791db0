// `npm run chain -- <command>`: the contracts' admin actions. Each command prints the transactions
// for the admin (a multisig in production) to sign, as a list and as a Safe Transaction Builder
// batch; with --send it signs and sends them itself with CHAIN_ADMIN_KEY, a key of the admin's that
// is never the API's hot key (CHAIN_PRIVATE_KEY), and waits for the receipts.
//
//   status                          admins, pending admin transfers, funding, the latest epoch
//   fund --amount <FAN>             raise what the RewardDistributor may ever pay out by <FAN>
//   transfer-admin --to <address>   begin moving the admin role of every contract (step one of two)
//   accept-admin                    accept it as the new admin, once the delay has passed (step two)
//
// Where: --api <url>, the running API (its /health names the chain and the contracts; default
// FANMESH_URL, else http://localhost:3000), and --rpc <url>, the chain (default CHAIN_RPC_URL, else
// the embedded chain's). Without a running API (production refuses to start while its hot key is an
// admin), --deployment '{"RewardDistributor":"0x…",…}' names the contracts instead (with --rpc).
// --json prints only the batch; --send signs and sends (see above).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { computeAddress, Contract, formatUnits, getAddress, isAddress, JsonRpcProvider, parseUnits, Wallet, ZeroAddress } from 'ethers';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NAMES = ['FanToken', 'RewardDistributor', 'MomentAttestor', 'DeviceRegistry', 'PollAttestor'];
const USAGE = `usage: npm run chain -- <status | fund --amount <FAN> | transfer-admin --to <address> | accept-admin> [--send] [--json] [--api <url>] [--rpc <url>]
  Prints the transactions for the contracts' admin (a multisig) to sign; --send signs and sends them with CHAIN_ADMIN_KEY.`;

/** A refusal that says what to do: printed without a stack. */
class Refusal extends Error {}
const refuse = (message) => {
  throw new Refusal(message);
};
/** Progress goes to stderr, so stdout carries only what was asked for. */
const say = (line) => process.stderr.write(`${line}\n`);
const fan = (wei) => `${formatUnits(wei, 18)} FAN`;
const when = (seconds) => new Date(Number(seconds) * 1000).toISOString();

function artifact(name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'contracts/artifacts', `${name}.json`), 'utf8'));
  } catch {
    return refuse(`contracts/artifacts/${name}.json is missing: run \`npm run build:contracts\` first`);
  }
}

async function main() {
  const { values: o, positionals } = parseArgs({
    options: {
      api: { type: 'string' },
      rpc: { type: 'string' },
      deployment: { type: 'string' },
      amount: { type: 'string' },
      to: { type: 'string' },
      send: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  const command = positionals[0];
  if (o.help || !command) {
    console.log(USAGE);
    return o.help ? 0 : 2;
  }
  const commands = { status, fund, 'transfer-admin': transferAdmin, 'accept-admin': acceptAdmin };
  if (!commands[command]) refuse(`unknown command "${command}"\n${USAGE}`);
  const chain = await connect(o);
  try {
    const txs = await commands[command](chain, o);
    if (txs?.length) await deliver(chain, txs, o);
    else if (txs) say('nothing to do.');
  } finally {
    chain.provider.destroy();
  }
  return 0;
}

/** The contracts --deployment names: `{"<Name>": "<address>", …}`. */
function namedDeployment(json) {
  let named;
  try {
    named = JSON.parse(json);
  } catch {
    refuse(`--deployment: expected JSON such as '{"RewardDistributor":"0x…"}', got ${json}`);
  }
  for (const [name, address] of Object.entries(named)) {
    if (!NAMES.includes(name) || !isAddress(address)) refuse(`--deployment: "${name}": "${address}" is not one of ${NAMES.join(', ')} with a 0x address`);
  }
  return named;
}

/** The chain and the contracts, as the running API (or --deployment) names them. */
async function connect(o) {
  if (o.deployment) {
    const rpc = o.rpc ?? process.env.CHAIN_RPC_URL;
    if (!rpc) refuse('--deployment needs --rpc <url> or CHAIN_RPC_URL: the chain those contracts are on');
    return open(rpc, namedDeployment(o.deployment));
  }
  const api = (o.api ?? process.env.FANMESH_URL ?? 'http://localhost:3000').replace(/\/$/, '');
  say(`reading the deployment from ${api}/health …`);
  let health;
  try {
    health = await (await fetch(`${api}/health`, { signal: AbortSignal.timeout(5000) })).json();
  } catch (err) {
    refuse(`cannot reach the API at ${api} (${err.message}): start it, or point --api at it`);
  }
  const chain = health?.details?.chain;
  if (chain?.status !== 'up' || !chain.addresses) {
    refuse(
      `the API at ${api} reports no deployed chain (${chain?.message ?? chain?.kind ?? 'none'}): run it with CHAIN_RPC_URL (or the embedded chain) so it deploys its contracts`,
    );
  }
  const rpc = o.rpc ?? process.env.CHAIN_RPC_URL ?? chain.rpcUrl;
  if (!rpc) refuse('no chain to talk to: pass --rpc <url> or set CHAIN_RPC_URL (the chain the API runs on)');
  return open(rpc, chain.addresses, { chainId: chain.chainId, api });
}

/** Connects to `rpc` (checking it is the API's chain, when there is one) with handles for `addresses`. */
async function open(rpc, addresses, expected) {
  const provider = new JsonRpcProvider(rpc, undefined, { cacheTimeout: -1 });
  let chainId;
  try {
    chainId = Number((await provider.getNetwork()).chainId);
  } catch (err) {
    provider.destroy();
    refuse(`cannot reach the chain at ${rpc}: ${err.shortMessage ?? err.message}`);
  }
  if (expected && chainId !== expected.chainId) {
    provider.destroy();
    refuse(`${rpc} is chain ${chainId}, but the API at ${expected.api} runs on chain ${expected.chainId}: point --rpc (or CHAIN_RPC_URL) at the API's chain`);
  }
  const contracts = Object.fromEntries(NAMES.filter((n) => addresses[n]).map((n) => [n, new Contract(addresses[n], artifact(n).abi, provider)]));
  for (const [name, c] of Object.entries(contracts)) {
    if ((await provider.getCode(c.target)) === '0x') {
      provider.destroy();
      refuse(`there is no contract at ${c.target} (${name}) on chain ${chainId}: check --rpc and the addresses`);
    }
  }
  return { provider, chainId, contracts };
}

/** The contract's admin, or undefined for one deployed before two-step admin transfers. */
const adminOf = (c) => c.defaultAdmin().catch(() => undefined);

// ------------------------------------------------------------------ commands

async function status({ provider, chainId, contracts }) {
  console.log(`chain ${chainId}, block ${await provider.getBlockNumber()}`);
  for (const [name, c] of Object.entries(contracts)) {
    const admin = await adminOf(c);
    if (!admin) {
      console.log(`  ${name.padEnd(18)} ${c.target}  v${await c.version()}  admin: one-step AccessControl (deployed before two-step admin transfers)`);
      continue;
    }
    const [pending, schedule] = await c.pendingDefaultAdmin();
    const delay = await c.defaultAdminDelay();
    const next = pending !== ZeroAddress ? `, pending ${pending} (acceptable after ${when(schedule)})` : '';
    console.log(`  ${name.padEnd(18)} ${c.target}  v${await c.version()}  admin ${admin}${next}, transfer delay ${Number(delay) / 3600} h`);
  }
  const d = contracts.RewardDistributor;
  if (!d || !contracts.FanToken) return undefined;
  const [epoch, total] = await d.currentEpoch();
  console.log(`funding: ${fan(await d.funded())} funded, ${fan(await d.paid())} paid, cap ${fan(await contracts.FanToken.cap())}; latest epoch ${epoch} (total ${fan(total)})`);
  return undefined;
}

async function fund({ chainId, contracts }, o) {
  if (!o.amount) refuse('fund needs --amount <FAN>: the amount the treasury approved, in FAN (e.g. --amount 250000)');
  let amount;
  try {
    amount = parseUnits(o.amount, 18);
  } catch {
    refuse(`--amount: expected a number of FAN such as 250000 or 12.5, got "${o.amount}"`);
  }
  if (amount <= 0n) refuse('--amount: expected more than 0 FAN');
  if (!contracts.RewardDistributor || !contracts.FanToken) refuse('fund needs the RewardDistributor and FanToken addresses');
  const d = contracts.RewardDistributor;
  const [funded, paid, cap, admin] = [await d.funded(), await d.paid(), await contracts.FanToken.cap(), await adminOf(d)];
  const [epoch, total] = await d.currentEpoch();
  say(`RewardDistributor ${d.target} on chain ${chainId}: ${fan(funded)} funded, ${fan(paid)} paid, cap ${fan(cap)}; latest epoch ${epoch} (total ${fan(total)}).`);
  if (funded + amount > cap)
    refuse(`funding ${fan(amount)} would raise the total to ${fan(funded + amount)}, past the token's cap of ${fan(cap)}: at most ${fan(cap - funded)} more can be funded`);
  say(`This raises the funding by ${fan(amount)} to ${fan(funded + amount)}; the distributor's admin${admin ? ` ${admin}` : ''} must sign it.`);
  return [
    {
      contract: 'RewardDistributor',
      method: 'fund',
      args: [amount],
      from: admin,
      after: async () => say(`funded is now ${fan(await d.funded())}: epochs waiting for funding publish within seconds.`),
    },
  ];
}

async function transferAdmin({ contracts }, o) {
  if (!o.to || !isAddress(o.to)) refuse('transfer-admin needs --to <address>: the new admin (e.g. the multisig, ADMIN_ADDRESS)');
  const to = getAddress(o.to);
  const txs = [];
  let schedule = 0n;
  for (const [name, c] of Object.entries(contracts)) {
    const admin = await adminOf(c);
    if (!admin) {
      refuse(
        `${name} (${c.target}) was deployed before two-step admin transfers: its admin moves with grantRole(DEFAULT_ADMIN_ROLE, ${to}) and then renounceRole(DEFAULT_ADMIN_ROLE, <old admin>), both signed by the old admin; or deploy afresh on a new database`,
      );
    }
    const [pending, at] = await c.pendingDefaultAdmin();
    if (admin === to) {
      say(`${name}: ${to} is already the admin.`);
      if (pending !== ZeroAddress) {
        say(`${name}: a transfer to ${pending} is pending; cancelling it.`);
        txs.push({ contract: name, method: 'cancelDefaultAdminTransfer', args: [], from: admin });
      }
      continue;
    }
    if (pending === to) {
      say(`${name}: the transfer to ${to} is already begun (acceptable after ${when(at)}).`);
      continue;
    }
    schedule = BigInt(Math.floor(Date.now() / 1000)) + (await c.defaultAdminDelay());
    txs.push({ contract: name, method: 'beginDefaultAdminTransfer', args: [to], from: admin });
  }
  if (txs.length) say(`Step one of two. Once these are mined, ${to} accepts after the delay (about ${when(schedule)}): \`npm run chain -- accept-admin\`.`);
  return txs;
}

async function acceptAdmin({ provider, contracts }) {
  const now = BigInt((await provider.getBlock('latest')).timestamp);
  const txs = [];
  for (const [name, c] of Object.entries(contracts)) {
    if (!(await adminOf(c))) continue;
    const [pending, schedule] = await c.pendingDefaultAdmin();
    if (pending === ZeroAddress) continue;
    if (schedule >= now) say(`${name}: the transfer to ${pending} can be accepted after ${when(schedule)}, not yet.`);
    txs.push({ contract: name, method: 'acceptDefaultAdminTransfer', args: [], from: pending, notBefore: schedule });
  }
  if (!txs.length) say('no admin transfer is pending: begin one with `npm run chain -- transfer-admin --to <address>`.');
  return txs;
}

// ------------------------------------------------------------------ printing and sending

async function deliver(chain, txs, o) {
  const calls = txs.map((t) => ({ ...t, to: chain.contracts[t.contract].target, data: chain.contracts[t.contract].interface.encodeFunctionData(t.method, t.args) }));
  const batch = {
    version: '1.0',
    chainId: String(chain.chainId),
    meta: { name: `FanMesh: ${calls.map((c) => `${c.contract}.${c.method}`).join(', ')}` },
    transactions: calls.map((c) => ({ to: c.to, value: '0', data: c.data })),
  };
  if (o.json) console.log(JSON.stringify(batch, null, 2));
  else {
    console.log(`\nUnsigned transaction(s) on chain ${chain.chainId}, value 0 each:`);
    calls.forEach((c, i) => {
      console.log(`  ${i + 1}. ${c.contract}.${c.method}(${c.args.join(', ')})  from ${c.from ?? 'the admin'}\n     to   ${c.to}\n     data ${c.data}`);
    });
    console.log(`\nAs a Safe Transaction Builder batch (import it in the Safe app):\n${JSON.stringify(batch)}`);
  }
  if (!o.send) {
    say('\nNot sent. Sign these with the admin (the multisig), or run again with --send and CHAIN_ADMIN_KEY set to the admin’s key.');
    return;
  }
  const wallet = await adminWallet(chain, calls);
  for (const [i, c] of calls.entries()) {
    const contract = chain.contracts[c.contract].connect(wallet);
    say(`[${i + 1}/${calls.length}] ${c.contract}.${c.method}: sending from ${wallet.address} …`);
    let tx;
    try {
      await contract[c.method].estimateGas(...c.args);
      tx = await contract[c.method](...c.args);
    } catch (err) {
      refuse(`${c.contract}.${c.method} would fail: ${explain(err, contract.interface)}. Nothing was sent${i ? ` after step ${i}` : ''}.`);
    }
    say(`[${i + 1}/${calls.length}] sent ${tx.hash}; waiting for its receipt …`);
    const receipt = await tx
      .wait(1, 180_000)
      .catch((err) => refuse(`no receipt for ${tx.hash} within 3 minutes (${err.shortMessage ?? err.message}): check it on the explorer before sending again`));
    if (receipt.status !== 1) refuse(`${tx.hash} was mined in block ${receipt.blockNumber} but reverted: nothing changed; see \`npm run chain -- status\``);
    say(`[${i + 1}/${calls.length}] mined in block ${receipt.blockNumber}.`);
    await c.after?.();
  }
}

/** CHAIN_ADMIN_KEY's wallet, after checking it is the account each call must come from, and not the API's hot key. */
async function adminWallet(chain, calls) {
  const key = process.env.CHAIN_ADMIN_KEY;
  if (!key)
    refuse(
      '--send needs CHAIN_ADMIN_KEY: the private key of the admin account (never the API’s CHAIN_PRIVATE_KEY). Or drop --send and sign the printed transactions with the admin (the multisig).',
    );
  let wallet;
  try {
    wallet = new Wallet(key, chain.provider);
  } catch {
    refuse('CHAIN_ADMIN_KEY: expected a 0x-prefixed 32-byte hex private key');
  }
  const hot = process.env.CHAIN_PRIVATE_KEY ? computeAddress(process.env.CHAIN_PRIVATE_KEY) : undefined;
  const operates = async (c) => c && (await c.hasRole(await c.OPERATOR_ROLE(), wallet.address));
  if (wallet.address === hot || (await operates(chain.contracts.RewardDistributor)) || (await operates(chain.contracts.DeviceRegistry))) {
    refuse(
      `CHAIN_ADMIN_KEY is ${wallet.address}, the API's hot key (an operator of the contracts), which must never act as admin. Use the admin's own key, or sign the printed transactions with the multisig.`,
    );
  }
  for (const c of calls) {
    if (c.from && c.from !== wallet.address)
      refuse(`CHAIN_ADMIN_KEY is ${wallet.address}, but ${c.contract}.${c.method} must come from ${c.from}: use that account's key, or sign the printed transactions with it.`);
    if (c.notBefore !== undefined && c.notBefore >= BigInt((await chain.provider.getBlock('latest')).timestamp)) {
      refuse(`${c.contract}: the admin transfer can be accepted only after ${when(c.notBefore)}; run this again then.`);
    }
  }
  return wallet;
}

/** A revert's custom error by name, else the node's message. */
function explain(err, iface) {
  const raw = err?.data ?? err?.info?.error?.data ?? err?.error?.data;
  const data = typeof raw === 'string' ? raw : raw?.data;
  if (data && data !== '0x') {
    try {
      const e = iface.parseError(data);
      if (e) return `${e.name}(${e.args.join(', ')})`;
    } catch {
      // not one of ours
    }
  }
  return err?.shortMessage ?? err?.message ?? String(err);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof Refusal) {
      console.error(`chain: ${err.message}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);

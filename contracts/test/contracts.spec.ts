import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import fc from 'fast-check';
import { Contract, Wallet, keccak256, toUtf8Bytes, ZeroHash } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deployFixture, Fixture, revertName } from './fixture';

let f: Fixture;
let snap: string;
beforeAll(async () => {
  f = await deployFixture();
});
afterAll(() => f?.stop());
beforeEach(async () => {
  snap = await f.snapshot();
});
afterEach(async () => {
  await f.revert(snap);
});

const tree = (balances: [string, bigint][]) => StandardMerkleTree.of(balances.map(([a, v]) => [a, v.toString()]), ['address', 'uint256']);
const proofOf = (t: StandardMerkleTree<string[]>, account: string) => {
  for (const [i, v] of t.entries()) if (v[0].toLowerCase() === account.toLowerCase()) return t.getProof(i);
  throw new Error('not in tree');
};
const total = (balances: [string, bigint][]) => balances.reduce((n, [, v]) => n + v, 0n);

async function publish(epoch: number, balances: [string, bigint][], fund = total(balances)) {
  const funded: bigint = await f.distributor.funded();
  if (fund > funded) await (await f.distributor.fund(fund - funded)).wait();
  const t = tree(balances);
  await (await f.distributor.publishRoot(epoch, t.root, total(balances))).wait();
  return t;
}

describe('FanToken', () => {
  it('has a name, a cap, permit and a version, and mints only through the distributor role', async () => {
    expect(await f.token.symbol()).toBe('FAN');
    expect(await f.token.cap()).toBe(10n ** 27n);
    expect(await f.token.version()).toBe('1.0.0');
    expect(await revertName(f.token.mint(f.operatorAddress, 1n))).toBe('AccessControlUnauthorizedAccount');
    expect(await f.token.hasRole(await f.token.MINTER_ROLE(), f.deployment.RewardDistributor)).toBe(true);
  });

  it('refuses to mint past the cap', async () => {
    await (await f.token.grantRole(await f.token.MINTER_ROLE(), f.operatorAddress)).wait();
    await (await f.token.mint(f.stranger.address, 10n ** 27n)).wait();
    expect(await revertName(f.token.mint(f.stranger.address, 1n))).toBe('ERC20ExceededCap');
  });

  it('supports EIP-2612 permit', async () => {
    const owner = Wallet.createRandom();
    const { chainId } = await f.provider.getNetwork();
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const sig = await owner.signTypedData(
      { name: 'FanMesh Fan Token', version: '1', chainId, verifyingContract: f.deployment.FanToken },
      { Permit: [{ name: 'owner', type: 'address' }, { name: 'spender', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' }] },
      { owner: owner.address, spender: f.stranger.address, value: 5n, nonce: 0n, deadline },
    );
    const { v, r, s } = (await import('ethers')).Signature.from(sig);
    await (await f.token.permit(owner.address, f.stranger.address, 5n, deadline, v, r, s)).wait();
    expect(await f.token.allowance(owner.address, f.stranger.address)).toBe(5n);
  });
});

describe('RewardDistributor', () => {
  const alice = Wallet.createRandom().address;
  const bob = Wallet.createRandom().address;

  it('pays a claim once, then the difference of a later cumulative epoch', async () => {
    const t1 = await publish(1, [[alice, 100n], [bob, 50n]]);
    const tx = await f.distributor.claim(alice, 100n, proofOf(t1, alice));
    const receipt = await tx.wait();
    const ev = receipt.logs.map((l: never) => f.distributor.interface.parseLog(l)).find((e: { name: string } | null) => e?.name === 'Claimed');
    expect(ev.args.toObject()).toMatchObject({ account: alice, recipient: alice, amount: 100n, cumulativeAmount: 100n });
    expect(await f.token.balanceOf(alice)).toBe(100n);
    expect(await revertName(f.distributor.claim(alice, 100n, proofOf(t1, alice)))).toBe('FanMeshNothingToClaim');

    const t2 = await publish(2, [[alice, 180n], [bob, 50n]]);
    await (await f.distributor.claim(alice, 180n, proofOf(t2, alice))).wait();
    expect(await f.token.balanceOf(alice)).toBe(180n);
    expect(await f.distributor.claimed(alice)).toBe(180n);
  });

  it('refuses a wrong proof, a wrong amount and an old epoch’s leaf', async () => {
    const t1 = await publish(1, [[alice, 100n], [bob, 50n]]);
    expect(await revertName(f.distributor.claim(alice, 101n, proofOf(t1, alice)))).toBe('FanMeshInvalidProof');
    expect(await revertName(f.distributor.claim(bob, 50n, proofOf(t1, alice)))).toBe('FanMeshInvalidProof');
    await publish(2, [[alice, 120n], [bob, 60n]]);
    expect(await revertName(f.distributor.claim(alice, 100n, proofOf(t1, alice)))).toBe('FanMeshInvalidProof');
  });

  it('never publishes a root that pays more than was funded, nor an epoch out of order', async () => {
    await (await f.distributor.fund(100n)).wait();
    const t = tree([[alice, 150n]]);
    expect(await revertName(f.distributor.publishRoot(1, t.root, 150n))).toBe('FanMeshEpochExceedsFunding');
    await publish(3, [[alice, 100n]]);
    expect(await revertName(f.distributor.publishRoot(3, t.root, 0n))).toBe('FanMeshEpochNotIncreasing');
    expect(await revertName((f.distributor.connect(f.stranger) as Contract).publishRoot(9, t.root, 0n))).toBe('AccessControlUnauthorizedAccount');
  });

  it('lets a relayer claim with the fan’s EIP-712 signature, once; refuses other signers and expired signatures', async () => {
    const fan = Wallet.createRandom();
    const t = await publish(1, [[fan.address, 70n], [bob, 1n]]);
    const { chainId } = await f.provider.getNetwork();
    const domain = { name: 'FanMesh RewardDistributor', version: '1', chainId, verifyingContract: f.deployment.RewardDistributor };
    const types = { Claim: [{ name: 'account', type: 'address' }, { name: 'cumulativeAmount', type: 'uint256' }, { name: 'recipient', type: 'address' }, { name: 'deadline', type: 'uint256' }] };
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const value = { account: fan.address, cumulativeAmount: 70n, recipient: fan.address, deadline };
    const sig = await fan.signTypedData(domain, types, value);
    const relayer = f.distributor.connect(f.stranger) as Contract;
    expect(await revertName(relayer.claimFor(fan.address, 70n, fan.address, deadline, await Wallet.createRandom().signTypedData(domain, types, value), proofOf(t, fan.address)))).toBe('FanMeshInvalidSigner');
    await (await relayer.claimFor(fan.address, 70n, fan.address, deadline, sig, proofOf(t, fan.address))).wait();
    expect(await f.token.balanceOf(fan.address)).toBe(70n);
    expect(await revertName(relayer.claimFor(fan.address, 70n, fan.address, deadline, sig, proofOf(t, fan.address)))).toBe('FanMeshNothingToClaim');
    const past = { ...value, deadline: 1n };
    expect(await revertName(relayer.claimFor(fan.address, 70n, fan.address, 1n, await fan.signTypedData(domain, types, past), proofOf(t, fan.address)))).toBe('FanMeshExpiredSignature');
  });

  it('never lets an account take more than its latest cumulative amount, nor all accounts more than was funded (property)', async () => {
    const accounts = Array.from({ length: 4 }, () => Wallet.createRandom().address);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.array(fc.bigInt({ min: 0n, max: 1000n }), { minLength: 4, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 })), { minLength: 1, maxLength: 3 }),
        async (epochs) => {
          const s = await f.snapshot();
          try {
            const cumulative = accounts.map(() => 0n);
            let epochId = Number(await f.distributor.epochId());
            for (const [increments, claims] of epochs) {
              increments.forEach((inc, i) => (cumulative[i] += inc));
              const balances = accounts.map((a, i) => [a, cumulative[i]] as [string, bigint]);
              const t = await publish(++epochId, balances);
              for (const [i, a] of accounts.entries()) {
                if (!claims[i]) continue;
                const res = await f.distributor.claim(a, cumulative[i], proofOf(t, a)).then((tx: { wait(): Promise<unknown> }) => tx.wait()).catch(() => 'reverted');
                if (res === 'reverted') expect(await f.distributor.claimed(a)).toBe(cumulative[i]);
              }
              for (const [i, a] of accounts.entries()) expect(await f.token.balanceOf(a)).toBeLessThanOrEqual(cumulative[i]);
              expect(await f.token.totalSupply()).toBeLessThanOrEqual(await f.distributor.funded());
            }
          } finally {
            await f.revert(s);
          }
        },
      ),
      { numRuns: 8 },
    );
  });
});

describe('MomentAttestor', () => {
  const moment = (n: number) => ({
    momentId: keccak256(toUtf8Bytes(`moment-${n}`)),
    eventId: keccak256(toUtf8Bytes('event-1')),
    kind: 2,
    timestamp: 1_790_000_000 + n,
    attendance: 54_321,
    evidenceRoot: keccak256(toUtf8Bytes(`evidence-${n}`)),
  });

  it('attests one record per moment id, in batches, and emits the full record', async () => {
    const receipt = await (await f.attestor.attestBatch([moment(1), moment(2), moment(3)])).wait();
    const events = receipt.logs.map((l: never) => f.attestor.interface.parseLog(l)).filter(Boolean);
    expect(events.map((e: { name: string }) => e.name)).toEqual(['Attested', 'Attested', 'Attested']);
    expect(events[1].args.toObject()).toMatchObject({ momentId: moment(2).momentId, attendance: 54_321n, evidenceRoot: moment(2).evidenceRoot });
    expect(await f.attestor.verify(moment(2))).toEqual([true, false]);
    expect(await f.attestor.verify({ ...moment(2), attendance: 1 })).toEqual([false, false]);
    expect(await revertName(f.attestor.attest(moment(2)))).toBe('FanMeshMomentExists');
    expect(await revertName((f.attestor.connect(f.stranger) as Contract).attest(moment(9)))).toBe('AccessControlUnauthorizedAccount');
  });

  it('revokes with a reason, once', async () => {
    await (await f.attestor.attest(moment(5))).wait();
    await (await f.attestor.revoke(moment(5).momentId, 'false alarm')).wait();
    expect(await f.attestor.verify(moment(5))).toEqual([true, true]);
    expect(await revertName(f.attestor.revoke(moment(5).momentId, 'again'))).toBe('FanMeshMomentRevoked');
    expect(await revertName(f.attestor.revoke(ZeroHash, 'unknown'))).toBe('FanMeshMomentUnknown');
  });
});

describe('DeviceRegistry', () => {
  const venueId = keccak256(toUtf8Bytes('venue'));
  async function sigs(device: Wallet, owner: Wallet) {
    const { chainId } = await f.provider.getNetwork();
    const domain = { name: 'FanMesh DeviceRegistry', version: '1', chainId, verifyingContract: f.deployment.DeviceRegistry };
    const fields = [{ name: 'device', type: 'address' }, { name: 'owner', type: 'address' }, { name: 'venueId', type: 'bytes32' }];
    const value = { device: device.address, owner: owner.address, venueId };
    return { deviceSig: await device.signTypedData(domain, { DeviceClaim: fields }, value), ownerSig: await owner.signTypedData(domain, { OwnerClaim: fields }, value) };
  }

  it('registers a device only with both signatures, once; the owner transfers and revokes', async () => {
    const device = Wallet.createRandom();
    const owner = new Wallet(Wallet.createRandom().privateKey, f.provider);
    const { deviceSig, ownerSig } = await sigs(device, owner);
    expect(await revertName(f.registry.register(device.address, owner.address, venueId, ownerSig, ownerSig))).toBe('FanMeshInvalidSigner');
    expect(await revertName(f.registry.register(device.address, owner.address, venueId, deviceSig, deviceSig))).toBe('FanMeshInvalidSigner');
    await (await f.registry.register(device.address, owner.address, venueId, deviceSig, ownerSig)).wait();
    expect((await f.registry.deviceOf(device.address)).owner).toBe(owner.address);
    expect(await revertName(f.registry.register(device.address, owner.address, venueId, deviceSig, ownerSig))).toBe('FanMeshDeviceExists');
    expect(await revertName((f.registry.connect(f.stranger) as Contract).transfer(device.address, f.stranger.address))).toBe('FanMeshNotDeviceOwner');
    await (await f.operator.sendTransaction({ to: owner.address, value: 10n ** 17n })).wait();
    await (await (f.registry.connect(owner) as Contract).transfer(device.address, f.stranger.address)).wait();
    expect((await f.registry.deviceOf(device.address)).owner).toBe(f.stranger.address);
    await (await f.registry.revoke(device.address)).wait(); // the registrar may revoke
    expect((await f.registry.deviceOf(device.address)).revoked).toBe(true);
  });
});

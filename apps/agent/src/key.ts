import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SigningKey, Wallet } from 'ethers';
import { fsyncDir } from './files';

export const KEY_FILE = 'device.key';

/** Why the key cannot be used, in words an installer can act on. */
export class KeyError extends Error {}

/**
 * The device's secp256k1 key, made on first start in the data folder (mode 0600) and never
 * printed or logged. Everything that signs goes through this object.
 */
export class DeviceKey {
  private readonly wallet: Wallet;
  private readonly signingKey: SigningKey;

  private constructor(privateKey: string) {
    this.signingKey = new SigningKey(privateKey);
    this.wallet = new Wallet(this.signingKey);
  }

  /** The device id: its address, checksummed (the envelope's deviceId and the offer's device). */
  get address(): string {
    return this.wallet.address;
  }

  /** Raw secp256k1 signature over a 32-byte digest (envelopes, coverage challenges). */
  signDigest(digest: Uint8Array | string): string {
    return this.signingKey.sign(digest).serialized;
  }

  /** EIP-712 signature (the pairing offer, the registration). */
  signTypedData(...args: Parameters<Wallet['signTypedData']>): Promise<string> {
    return this.wallet.signTypedData(...args);
  }

  /** Loads the key, or makes one when `create` and there is none. Refuses loose permissions. */
  static load(dataDir: string, opts: { create: boolean }): { key: DeviceKey; created: boolean } {
    const path = join(dataDir, KEY_FILE);
    if (!existsSync(path)) {
      if (!opts.create) throw new KeyError(`There is no device key at ${path}. Run the agent once (or \`agent init --data ${dataDir}\`) to make one.`);
      return { key: DeviceKey.create(path), created: true };
    }
    let st;
    try {
      st = statSync(path);
    } catch (err) {
      throw new KeyError(`Cannot read the device key at ${path}: ${(err as Error).message}.`);
    }
    if (!st.isFile()) throw new KeyError(`The device key at ${path} is not a regular file. Move it away; the agent makes a new key (a new device) when none is there.`);
    if (st.mode & 0o077) {
      throw new KeyError(
        `The device key at ${path} has permissions ${(st.mode & 0o777).toString(8).padStart(4, '0')}: group or others can read it, so it may be copied. ` +
          `Fix it with \`chmod 600 ${path}\` (and check who else had access), then start again.`,
      );
    }
    if (typeof process.getuid === 'function' && process.getuid() !== 0 && st.uid !== process.getuid()) {
      throw new KeyError(
        `The device key at ${path} belongs to uid ${st.uid}, not to the user running the agent (uid ${process.getuid()}). Run the agent as that user, or \`chown\` the data folder.`,
      );
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new KeyError(
        code === 'EACCES'
          ? `Cannot read the device key at ${path}: permission denied. Run the agent as the user that owns the data folder.`
          : `Cannot read the device key at ${path}: ${(err as Error).message}.`,
      );
    }
    if (!/^0x[0-9a-fA-F]{64}$/.test(text))
      throw new KeyError(`The device key at ${path} is not a key this agent wrote (expected 0x and 64 hex digits). Restore the right file; moving it away makes a new device.`);
    try {
      return { key: new DeviceKey(text), created: false };
    } catch {
      throw new KeyError(`The device key at ${path} is not a valid secp256k1 key. Restore the right file; moving it away makes a new device.`);
    }
  }

  private static create(path: string): DeviceKey {
    let hex: string;
    // 32 random bytes are a valid key unless 0 or >= n (probability ~2^-128): retry then.
    for (;;) {
      hex = '0x' + randomBytes(32).toString('hex');
      try {
        new SigningKey(hex);
        break;
      } catch {
        /* out of range: draw again */
      }
    }
    // O_EXCL: never overwrite a key; mode 0600 from the first byte on disk.
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      writeSync(fd, hex + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    fsyncDir(dirname(path));
    return new DeviceKey(hex);
  }
}

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('runs on embedded defaults with no environment at all', () => {
    const c = loadConfig({});
    expect(c.db.kind).toBe('pglite');
    expect(c.bus.kind).toBe('memory');
    expect(c.chain.kind).toBe('embedded');
    expect(c.port).toBe(3000);
  });

  it('switches to real services when their URLs are set', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/x', REDIS_URL: 'redis://r:6379', CHAIN_RPC_URL: 'https://rpc.example', CHAIN_NETWORK: 'spicy' });
    expect(c.db).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/x', schema: 'public', poolSize: 20 });
    expect(c.bus).toEqual({ kind: 'redis', url: 'redis://r:6379' });
    expect(c.chain).toMatchObject({ kind: 'rpc', network: 'spicy' });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).db.kind).toBe('pglite');
  });

  it('stops with a message naming each bad variable and what it expects', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const msg = (error as Error).message;
    expect(msg).toMatch(/PORT: expected/);
    expect(msg).toMatch(/DATABASE_URL: expected a URL starting with postgres:\/\/ or postgresql:\/\//);
    expect(msg).toMatch(/LOG_LEVEL/);
    expect((error as ConfigError).problems).toHaveLength(3);
  });

  it('requires AUTH_SECRET in production, and a key only with an RPC URL', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_SECRET/);
    expect(() => loadConfig({ CHAIN_PRIVATE_KEY: '0x' + '11'.repeat(32) })).toThrow(/CHAIN_RPC_URL/);
    expect(() => loadConfig({ CHAIN_RPC_URL: 'http://x', CHAIN_PRIVATE_KEY: '0x12' })).toThrow(/CHAIN_PRIVATE_KEY: expected a 0x-prefixed 32-byte hex private key/);
  });
});

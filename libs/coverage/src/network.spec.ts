import { describe, expect, it } from 'vitest';
import { networkOf } from './network';

describe('networkOf', () => {
  it('keeps an IPv4 address, and reads IPv4-mapped IPv6 as IPv4', () => {
    expect(networkOf('203.0.113.7')).toBe('203.0.113.7');
    expect(networkOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(networkOf('203.0.113.8')).not.toBe(networkOf('203.0.113.7'));
  });

  it('reduces IPv6 to its /64, however it is written', () => {
    const net = '2001:db8:85a3:42::/64';
    expect(networkOf('2001:db8:85a3:42::1')).toBe(net);
    expect(networkOf('2001:0db8:85a3:0042:abcd:ef01:2345:6789')).toBe(net);
    expect(networkOf('[2001:DB8:85A3:42:0:0:0:9]')).toBe(net);
    expect(networkOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(networkOf('2001:db8:85a3:43::1')).not.toBe(net);
  });

  it('puts every loopback address on one network (a demo on one machine)', () => {
    for (const ip of ['127.0.0.1', '127.8.9.10', '::ffff:127.0.0.1', '::1', '0:0:0:0:0:0:0:1']) expect(networkOf(ip)).toBe('loopback');
    expect(networkOf('::2')).toBe('0:0:0:0::/64');
  });

  it('has no network for no address or garbage', () => {
    for (const bad of [undefined, null, '', 'localhost', '999.1.1.1', '2001:db8::g', '1.2.3']) expect(networkOf(bad)).toBeUndefined();
  });
});

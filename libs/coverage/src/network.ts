import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network a request came from, as the hotspot rule compares it: an IPv4 address itself (a
 * hotspot's clients leave through its one public address, NAT'd), an IPv6 address's /64 (a home or
 * venue uplink hands its clients addresses from one /64). IPv4-mapped IPv6 reads as IPv4, and every
 * loopback address is one network (`loopback`: a demo on one machine). Anything else (no address,
 * garbage) is undefined: no network to compare.
 */
export function networkOf(ip: string | undefined | null): string | undefined {
  if (!ip) return undefined;
  const bare = ip.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  const v4 = mapped && isIPv4(mapped[1]) ? mapped[1] : isIPv4(bare) ? bare : undefined;
  if (v4) return v4.startsWith('127.') ? 'loopback' : v4;
  if (!isIPv6(bare)) return undefined;
  if (/^(0{0,4}:){0,7}:?0{0,3}1$/.test(bare) && bare.replace(/[:0]/g, '') === '1') return 'loopback';
  const [head, tail = ''] = bare.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  if (right.length && right[right.length - 1].includes('.')) right.splice(-1, 1, '0', '0'); // an embedded IPv4 tail is two groups
  const groups = bare.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

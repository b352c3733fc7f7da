// The addresses a webhook may not call when a name resolves to them: the machine itself, the
// operator's networks, cloud metadata services. Written once here; the operator opens ranges of them
// with api.webhooks.allowedAddressRanges. An IP address the operator names in allowedHosts is not
// checked against this list: naming it is allowing it.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** [network, prefix length, what it is]. */
type Range = readonly [string, number, string];

const BLOCKED_IPV4: readonly Range[] = [
  ['0.0.0.0', 8, 'this network; 0.0.0.0 reaches the local host'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'carrier-grade NAT (RFC 6598); Alibaba Cloud metadata at 100.100.100.200'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local; cloud metadata at 169.254.169.254 (AWS, GCP, Azure, ...)'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments; Oracle Cloud metadata at 192.0.0.192'],
  ['192.0.2.0', 24, 'documentation (TEST-NET-1)'],
  ['192.88.99.0', 24, '6to4 relay anycast (deprecated)'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation (TEST-NET-2)'],
  ['203.0.113.0', 24, 'documentation (TEST-NET-3)'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved, and 255.255.255.255 broadcast'],
];

// Node's BlockList also applies IPv6 rules to IPv4 addresses through their mapped form
// (::ffff:a.b.c.d), so ::ffff:0:0/96 is not listed here: it would block every IPv4 address.
// Mapped and NAT64 addresses are judged by the IPv4 address they carry (see embeddedIpv4).
const BLOCKED_IPV6: readonly Range[] = [
  ['::', 96, 'unspecified (::), loopback (::1) and the deprecated IPv4-compatible forms'],
  ['64:ff9b:1::', 48, 'NAT64 for local use (RFC 8215)'],
  ['100::', 64, 'discard-only'],
  ['2001::', 32, 'Teredo tunnels'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4 (carries an IPv4 address, relayed anywhere)'],
  ['fc00::', 7, 'unique local (ULA); AWS metadata at fd00:ec2::254'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local (deprecated)'],
  ['ff00::', 8, 'multicast'],
];

const BLOCKED = new BlockList();
for (const [network, prefix] of BLOCKED_IPV4) BLOCKED.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of BLOCKED_IPV6) BLOCKED.addSubnet(network, prefix, 'ipv6');

/** The ranges of allowedAddressRanges (CIDRs that config has validated). */
export function addressRanges(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [network = '', prefix = ''] = cidr.split('/');
    list.addSubnet(network, Number(prefix), isIPv4(network) ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** Whether a webhook may connect to a resolved address: public, or in a range the operator allowed. */
export function isCallableAddress(address: string, allowed: BlockList): boolean {
  // A zone (fe80::1%eth0) makes BlockList miss the range: judge the address without it.
  const bare = address.replace(/%.*$/, '');
  const forms: Array<[string, 'ipv4' | 'ipv6']> = [];
  if (isIPv4(bare)) forms.push([bare, 'ipv4']);
  else if (isIPv6(bare)) {
    forms.push([bare, 'ipv6']);
    const carried = embeddedIpv4(bare);
    if (carried) forms.push([carried, 'ipv4']);
  } else return false;
  if (forms.some(([form, family]) => allowed.check(form, family))) return true;
  return !forms.some(([form, family]) => BLOCKED.check(form, family));
}

/** The IPv4 address an IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) address carries. */
export function embeddedIpv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  if (!groups) return undefined;
  const isMapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const isNat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!isMapped && !isNat64) return undefined;
  const [high = 0, low = 0] = groups.slice(6);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit groups of an IPv6 address (with `::` and a dotted IPv4 tail expanded). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const bytes = dotted[1]!.split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const [before, after] = [part(head), part(tail)];
  if (before.length + after.length > 8) return undefined;
  const groups = tail === undefined ? before : [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

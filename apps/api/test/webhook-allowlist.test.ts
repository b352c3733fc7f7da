// The rules that decide where a webhook may go, without Redis or sockets: the allowedHosts grammar,
// matching a URL (as the URL parser normalises it) to host and port, the blocked address ranges
// (mapped and NAT64 forms included), and resolving a name through an injected lookup.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GpuqConfig, parseWebhookHost } from '@gpuq/shared';
import { addressRanges, embeddedIpv4, isCallableAddress } from '../src/webhooks/address-ranges.js';
import { matchAllowedTarget, webhookHostRules } from '../src/webhooks/allowed-targets.js';
import { WebhookTargets, type WebhookLookup } from '../src/webhooks/resolve-target.js';
import { fakeLookup, PUBLIC_ADDRESS } from './fake-dns.js';

const NONE = addressRanges([]);
const match = (url: string, allowedHosts: string[]) => matchAllowedTarget(url, webhookHostRules(allowedHosts));
const settings = (over: Partial<{ allowedHosts: string[]; allowedAddressRanges: string[]; timeoutMs: number }> = {}) => ({ allowedHosts: [], allowedAddressRanges: [], timeoutMs: 1_000, ...over });

describe('the allowedHosts grammar', () => {
  it('reads names, wildcards and addresses, each with an optional port; without one, 80 and 443', () => {
    expect(parseWebhookHost('hooks.example.com')).toEqual({ ok: true, rule: { host: 'hooks.example.com', isWildcard: false, isAddress: false, ports: [80, 443] } });
    expect(parseWebhookHost('hooks.example.com:8443')).toEqual({ ok: true, rule: { host: 'hooks.example.com', isWildcard: false, isAddress: false, ports: [8443] } });
    expect(parseWebhookHost('*.example.org')).toEqual({ ok: true, rule: { host: 'example.org', isWildcard: true, isAddress: false, ports: [80, 443] } });
    expect(parseWebhookHost('*.example.org:9000')).toEqual({ ok: true, rule: { host: 'example.org', isWildcard: true, isAddress: false, ports: [9000] } });
    expect(parseWebhookHost('10.0.0.5:8080')).toEqual({ ok: true, rule: { host: '10.0.0.5', isWildcard: false, isAddress: true, ports: [8080] } });
    expect(parseWebhookHost('[fd00::5]:8080')).toEqual({ ok: true, rule: { host: '[fd00::5]', isWildcard: false, isAddress: true, ports: [8080] } });
  });

  it('stores hosts as the URL parser writes them: lower case, no trailing dot, compressed IPv6, punycode', () => {
    const hostOf = (entry: string) => (parseWebhookHost(entry) as { ok: true; rule: { host: string } }).rule.host;
    expect(hostOf('Hooks.Example.COM.')).toBe('hooks.example.com');
    expect(hostOf('[FD00:0:0::5]')).toBe('[fd00::5]');
    expect(hostOf('bücher.example')).toBe('xn--bcher-kva.example');
  });

  it('refuses what is not an entry, saying what to write', () => {
    const errorOf = (entry: string) => (parseWebhookHost(entry) as { ok: false; error: string }).error;
    expect(errorOf('https://hooks.example.com')).toMatch(/^write host, host:port/);
    expect(errorOf('hooks.example.com/path')).toMatch(/^write host, host:port/);
    expect(errorOf('user@hooks.example.com')).toMatch(/^write host, host:port/);
    expect(errorOf('fd00::5')).toBe('an IPv6 address goes in brackets: [fd00::5]:8080');
    expect(errorOf('hooks.example.com:0')).toBe('port 0 is not between 1 and 65535');
    expect(errorOf('hooks.example.com:65536')).toBe('port 65536 is not between 1 and 65535');
    expect(errorOf('*.10.0.0.5')).toBe('a wildcard covers the subdomains of a name, not an IP address');
    // Odd numeric spellings are addresses to the URL parser: the entry must say which one.
    expect(errorOf('2130706433')).toBe('write the address as 127.0.0.1');
    expect(errorOf('0x7f.1')).toBe('write the address as 127.0.0.1');
    for (const entry of ['*', '*.', 'foo*.example.com', '*.*.example.com', 'a..b', '-a.example.com', '']) expect(parseWebhookHost(entry).ok, entry).toBe(false);
  });

  it('fails config load naming the bad entry, and a range that is not a CIDR', () => {
    const result = GpuqConfig.safeParse({ api: { webhooks: { allowedHosts: ['hooks.example.com', 'https://bad.example'], allowedAddressRanges: ['10.0.0.0/8', 'fd00::/8', '10.0.0.5'] } } });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map(({ path, message }) => ({ path, message }))).toEqual([
      { path: ['api', 'webhooks', 'allowedHosts', 1], message: expect.stringMatching(/^"https:\/\/bad\.example" is not a webhook host: write host/) },
      { path: ['api', 'webhooks', 'allowedAddressRanges', 2], message: '"10.0.0.5" is not a CIDR range such as 10.20.0.0/16 or fd00:1::/64' },
    ]);
    expect(GpuqConfig.parse({}).api.webhooks).toMatchObject({ allowedHosts: [], allowedAddressRanges: [] });
  });
});

describe('matching a webhook URL to allowedHosts', () => {
  it('allows ports 80 and 443 to an entry without a port, and a URL without a port means its scheme’s default', () => {
    expect(match('https://hooks.example.com/x', ['hooks.example.com'])).toMatchObject({ ok: true, target: { host: 'hooks.example.com', port: 443 } });
    expect(match('http://hooks.example.com/x', ['hooks.example.com'])).toMatchObject({ ok: true, target: { port: 80 } });
    expect(match('http://127.0.0.1:6379/', ['127.0.0.1'])).toEqual({ ok: false, reason: 'not_allowed', message: 'port 6379 is not allowed for webhooks to 127.0.0.1; allowed: 80, 443' });
    expect(match('https://hooks.example.com:443/', ['hooks.example.com:8443'])).toMatchObject({ ok: false, message: 'port 443 is not allowed for webhooks to hooks.example.com; allowed: 8443' });
    // Entries for one host add up their ports.
    expect(match('https://hooks.example.com:8443/', ['hooks.example.com', 'hooks.example.com:8443'])).toMatchObject({ ok: true, target: { port: 8443 } });
  });

  it('matches a wildcard’s subdomains only, and a name only itself', () => {
    expect(match('https://a.b.example.org/', ['*.example.org']).ok).toBe(true);
    expect(match('https://example.org/', ['*.example.org']).ok).toBe(false);
    expect(match('https://evilexample.org/', ['*.example.org']).ok).toBe(false);
    expect(match('https://hooks.example.com.evil.test/', ['hooks.example.com'])).toMatchObject({ ok: false, message: 'hooks.example.com.evil.test is not among the hosts webhooks may call' });
    expect(match('https://sub.hooks.example.com/', ['hooks.example.com']).ok).toBe(false);
  });

  it('checks the host the URL parser normalises: a decimal or hex IP, a trailing dot, upper case', () => {
    expect(match('http://2130706433:6379/', ['127.0.0.1'])).toMatchObject({ ok: false, message: 'port 6379 is not allowed for webhooks to 127.0.0.1; allowed: 80, 443' });
    expect(match('http://0x7f.0.0.1/', ['127.0.0.1'])).toMatchObject({ ok: true, target: { host: '127.0.0.1', isAddress: true } });
    expect(match('http://127.0.0.1.:6379/', ['127.0.0.1']).ok).toBe(false);
    expect(match('https://HOOKS.example.com./', ['hooks.example.com'])).toMatchObject({ ok: true, target: { host: 'hooks.example.com' } });
    expect(match('https://hooks.example.com.:8443/', ['hooks.example.com'])).toMatchObject({ ok: false, message: 'port 8443 is not allowed for webhooks to hooks.example.com; allowed: 80, 443' });
    expect(match('http://[::ffff:127.0.0.1]/', ['127.0.0.1']).ok).toBe(false);
  });

  it('never lets an address match a name’s rule, nor a name an address’s', () => {
    expect(match('http://127.0.0.1/', ['*.0.0.1', 'localhost']).ok).toBe(false);
    expect(match('http://localhost/', ['127.0.0.1']).ok).toBe(false);
  });

  it('refuses URLs carrying a user name or password, and schemes other than http and https', () => {
    expect(match('https://user:pass@hooks.example.com/', ['hooks.example.com'])).toMatchObject({ ok: false, message: expect.stringMatching(/^webhook URLs may not carry a user name or password/) });
    expect(match('https://user@hooks.example.com/', ['hooks.example.com']).ok).toBe(false);
    expect(match('ftp://hooks.example.com/', ['hooks.example.com']).ok).toBe(false);
  });
});

describe('the address ranges webhooks may not call', () => {
  const blocked = [
    '127.0.0.1', '127.255.255.254', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.100.100.200', '100.64.0.1',
    '0.0.0.0', '0.1.2.3', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255', '192.0.0.192',
    '::', '::1', 'fc00::1', 'fd00:ec2::254', 'fe80::1', 'fe80::1%eth0', 'febf::1', 'ff02::1', '2002:7f00:1::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:169.254.169.254', '::ffff:10.0.0.1', '64:ff9b::7f00:1', '64:ff9b::169.254.169.254', '64:ff9b::a00:1', '::127.0.0.1',
  ];
  const callable = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '169.255.0.1', '223.255.255.255', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:93.184.216.34', '64:ff9b::5db8:d822'];

  it.each(blocked)('blocks %s', (address) => expect(isCallableAddress(address, NONE)).toBe(false));
  it.each(callable)('lets %s be called', (address) => expect(isCallableAddress(address, NONE)).toBe(true));

  it('blocks what is not an address at all', () => {
    expect(isCallableAddress('hooks.example.com', NONE)).toBe(false);
    expect(isCallableAddress('', NONE)).toBe(false);
  });

  it('judges an IPv4-mapped or NAT64 address by the IPv4 address it carries', () => {
    expect(embeddedIpv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('64:ff9b::a9fe:a9fe')).toBe('169.254.169.254');
    expect(embeddedIpv4('2606:2800::1')).toBeUndefined();
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet, octet), (octets) => {
        const v4 = octets.join('.');
        const hex = `${((octets[0] << 8) | octets[1]).toString(16)}:${((octets[2] << 8) | octets[3]).toString(16)}`;
        const verdict = isCallableAddress(v4, NONE);
        expect(isCallableAddress(`::ffff:${v4}`, NONE)).toBe(verdict);
        expect(isCallableAddress(`::ffff:${hex}`, NONE)).toBe(verdict);
        expect(isCallableAddress(`64:ff9b::${hex}`, NONE)).toBe(verdict);
      }),
      { numRuns: 2_000 },
    );
  });

  it('lets the operator open ranges with allowedAddressRanges, in every form of the address', () => {
    const allowed = addressRanges(['127.0.0.0/8', 'fd00::/8']);
    expect(isCallableAddress('127.0.0.1', allowed)).toBe(true);
    expect(isCallableAddress('::ffff:127.0.0.1', allowed)).toBe(true);
    expect(isCallableAddress('fd00::1', allowed)).toBe(true);
    expect(isCallableAddress('10.0.0.1', allowed)).toBe(false);
    expect(isCallableAddress('169.254.169.254', allowed)).toBe(false);
  });
});

describe('resolving a webhook target', () => {
  it('checks every address a name resolves to, and never names the address in the refusal', async () => {
    const targets = new WebhookTargets(settings({ allowedHosts: ['hooks.acme.test', 'split.acme.test'] }), fakeLookup({ 'hooks.acme.test': [PUBLIC_ADDRESS], 'split.acme.test': [PUBLIC_ADDRESS, '169.254.169.254'] }));
    expect(await targets.resolve('https://hooks.acme.test/x')).toMatchObject({ ok: true, addresses: [{ address: PUBLIC_ADDRESS, family: 4 }] });
    const refused = await targets.resolve('https://split.acme.test/x');
    expect(refused).toMatchObject({ ok: false, reason: 'blocked', message: 'split.acme.test resolves to an address webhooks may not call (private, loopback or link-local)' });
    expect(JSON.stringify({ message: (refused as { message: string }).message })).not.toContain('169.254');
  });

  it('refuses a name that does not resolve, resolves to nothing, or gets no answer in time', async () => {
    const never: WebhookLookup = () => new Promise(() => undefined);
    const targets = (lookup: WebhookLookup) => new WebhookTargets(settings({ allowedHosts: ['gone.acme.test'], timeoutMs: 50 }), lookup);
    const refusal = { ok: false, reason: 'unresolvable', message: 'gone.acme.test does not resolve' };
    expect(await targets(fakeLookup({})).resolve('https://gone.acme.test/')).toMatchObject(refusal);
    expect(await targets(async () => []).resolve('https://gone.acme.test/')).toMatchObject(refusal);
    expect(await targets(never).resolve('https://gone.acme.test/')).toMatchObject(refusal);
  });

  it('calls an address the operator named as written, without asking DNS', async () => {
    const lookup: WebhookLookup = () => Promise.reject(new Error('DNS must not be asked'));
    const targets = new WebhookTargets(settings({ allowedHosts: ['127.0.0.1:9000', '[fd00::5]'] }), lookup);
    expect(await targets.resolve('http://127.0.0.1:9000/')).toMatchObject({ ok: true, addresses: [{ address: '127.0.0.1', family: 4 }] });
    expect(await targets.resolve('https://[fd00::5]/')).toMatchObject({ ok: true, addresses: [{ address: 'fd00::5', family: 6 }] });
  });

  it('accepts a private address a name resolves to when allowedAddressRanges covers it', async () => {
    const lookup = fakeLookup({ 'inside.acme.test': '10.20.0.7' });
    expect((await new WebhookTargets(settings({ allowedHosts: ['inside.acme.test'] }), lookup).resolve('https://inside.acme.test/')).ok).toBe(false);
    expect((await new WebhookTargets(settings({ allowedHosts: ['inside.acme.test'], allowedAddressRanges: ['10.20.0.0/16'] }), lookup).resolve('https://inside.acme.test/')).ok).toBe(true);
  });
});

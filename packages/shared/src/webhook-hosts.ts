// The grammar of `api.webhooks.allowedHosts` entries, in one place: config validates entries with it
// at load, and the API matches webhook URLs against the rules it returns.
// Hosts are compared in the form the WHATWG URL parser gives them (lower case, punycode, dotted-quad
// IPv4, bracketed and compressed IPv6), so an entry and a URL that mean the same host compare equal.

/** The ports an entry without one allows: a URL without a port means its scheme's default, one of these. */
export const DEFAULT_WEBHOOK_PORTS: readonly number[] = [80, 443];

export interface WebhookHostRule {
  /** The host as the URL parser writes it, without a trailing dot; for a wildcard, the domain after `*.`. */
  host: string;
  /** `*.example.org`: the domain's subdomains, at any depth, not the domain itself. */
  isWildcard: boolean;
  /** An IP address the operator named: called as written, without the checks on resolved addresses. */
  isAddress: boolean;
  ports: readonly number[];
}

export type ParsedWebhookHost = { ok: true; rule: WebhookHostRule } | { ok: false; error: string };

const ENTRY = /^(\*\.)?(\[[^\]]*\]|[^:[\]/?#@\\\s]+)(?::(\d{1,5}))?$/;
const DOTTED_QUAD = /^\d{1,3}(\.\d{1,3}){3}$/;
// Labels of letters, digits, `-` and `_` (found in internal names), not starting or ending with `-`.
const DOMAIN = /^(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*$/;
const GRAMMAR = 'write host, host:port, *.domain, *.domain:port, an IPv4 address, or [IPv6], each with an optional :port';

/** A host as the URL parser normalises it (trailing dot dropped), or undefined when it is no host. */
export function normalWebhookHost(host: string): string | undefined {
  try {
    return new URL(`http://${host}/`).hostname.replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

export function isIpHost(host: string): boolean {
  return host.startsWith('[') || DOTTED_QUAD.test(host);
}

export function parseWebhookHost(entry: string): ParsedWebhookHost {
  const match = ENTRY.exec(entry.trim());
  if (!match) return { ok: false, error: entry.split(':').length > 2 && !entry.includes('[') ? 'an IPv6 address goes in brackets: [fd00::5]:8080' : GRAMMAR };
  const [, wildcard, written, portText] = match as unknown as [string, string | undefined, string, string | undefined];
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (port < 1 || port > 65_535)) return { ok: false, error: `port ${portText} is not between 1 and 65535` };
  const host = normalWebhookHost(written);
  if (host === undefined || host === '') return { ok: false, error: `${written} is not a host name or IP address; ${GRAMMAR}` };
  const isAddress = isIpHost(host);
  if (isAddress && wildcard) return { ok: false, error: 'a wildcard covers the subdomains of a name, not an IP address' };
  // 2130706433 and 0x7f.1 are IPv4 addresses to the URL parser: ask for the plain form, so the entry says what it allows.
  if (isAddress && !host.startsWith('[') && host !== written.replace(/\.$/, '')) return { ok: false, error: `write the address as ${host}` };
  if (!isAddress && !DOMAIN.test(host)) return { ok: false, error: `${written} is not a host name (letters, digits, - and _ in dot-separated labels)` };
  return { ok: true, rule: { host, isWildcard: wildcard !== undefined, isAddress, ports: port === undefined ? DEFAULT_WEBHOOK_PORTS : [port] } };
}

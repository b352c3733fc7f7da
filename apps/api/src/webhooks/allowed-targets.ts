// Whether a webhook URL names a host and port that api.webhooks.allowedHosts allows. The URL's host
// is taken as the WHATWG URL parser normalises it (http://2130706433/ is 127.0.0.1), with a
// trailing dot dropped, so no spelling of a host slips past a rule written another way.
import { isIpHost, parseWebhookHost, type WebhookHostRule } from '@gpuq/shared';

export interface WebhookTarget {
  url: URL;
  /** The normalised host: lower case, no trailing dot, IPv6 in brackets. */
  host: string;
  port: number;
  /** The URL names an IP address (one allowedHosts names as written), so there is nothing to resolve. */
  isAddress: boolean;
}

export type TargetRefusal = { ok: false; reason: 'not_allowed' | 'unresolvable' | 'blocked'; message: string };
export type AllowedTarget = { ok: true; target: WebhookTarget } | TargetRefusal;

/** The rules of allowedHosts; config has validated every entry, so none is dropped here. */
export function webhookHostRules(allowedHosts: readonly string[]): WebhookHostRule[] {
  return allowedHosts.flatMap((entry) => {
    const parsed = parseWebhookHost(entry);
    return parsed.ok ? [parsed.rule] : [];
  });
}

export function matchAllowedTarget(urlText: string, rules: readonly WebhookHostRule[]): AllowedTarget {
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    return refuse('not_allowed', 'the webhook URL is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse('not_allowed', 'webhook URLs are http or https');
  if (url.username !== '' || url.password !== '') {
    return refuse('not_allowed', 'webhook URLs may not carry a user name or password (user:pass@): gpuq signs each call instead, for the receiver to check');
  }
  const host = url.hostname.replace(/\.$/, '');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const isAddress = isIpHost(host);
  const matching = rules.filter((rule) => covers(rule, host, isAddress));
  if (matching.length === 0) return refuse('not_allowed', `${host} is not among the hosts webhooks may call`);
  const ports = [...new Set(matching.flatMap((rule) => rule.ports))].sort((a, b) => a - b);
  if (!ports.includes(port)) return refuse('not_allowed', `port ${port} is not allowed for webhooks to ${host}; allowed: ${ports.join(', ')}`);
  return { ok: true, target: { url, host, port, isAddress } };
}

/** An address matches only a rule naming that address; a name, its own rule or a wildcard over it. */
function covers(rule: WebhookHostRule, host: string, isAddress: boolean): boolean {
  if (rule.isAddress || isAddress) return rule.isAddress === isAddress && rule.host === host;
  return rule.isWildcard ? host.endsWith(`.${rule.host}`) : host === rule.host;
}

export function refuse(reason: TargetRefusal['reason'], message: string): TargetRefusal {
  return { ok: false, reason, message };
}

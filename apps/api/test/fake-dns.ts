// DNS for made-up webhook host names, injected through buildApp's webhookLookup.
import { isIP } from 'node:net';
import type { WebhookLookup } from '../src/webhooks/resolve-target.js';

/** A public address for made-up names (example.com's old one): tests that resolve to it never send it anything. */
export const PUBLIC_ADDRESS = '93.184.216.34';

type Answer = string | string[];

/** Each name to its addresses, or to a function of how many times it was asked; other names do not resolve. */
export function fakeLookup(names: Record<string, Answer | ((call: number) => Answer)>): WebhookLookup {
  const calls = new Map<string, number>();
  return async (hostname) => {
    const answer = names[hostname];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    const call = (calls.get(hostname) ?? 0) + 1;
    calls.set(hostname, call);
    const addresses = typeof answer === 'function' ? answer(call) : answer;
    return [addresses].flat().map((address) => ({ address, family: isIP(address) }));
  };
}

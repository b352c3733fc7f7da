// Where a webhook may connect: its URL matched against allowedHosts, then its name resolved and
// every address checked. Submit runs this to refuse early; each delivery runs it again (config or
// DNS may have changed since: rebinding) and connects only to the addresses it checked.
import { promises as dns } from 'node:dns';
import type { BlockList } from 'node:net';
import type { ApiConfig, WebhookHostRule } from '@gpuq/shared';
import { addressRanges, isCallableAddress } from './address-ranges.js';
import { matchAllowedTarget, refuse, webhookHostRules, type TargetRefusal, type WebhookTarget } from './allowed-targets.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** All the addresses a name resolves to; injectable, so tests can map made-up names. */
export type WebhookLookup = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemLookup: WebhookLookup = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export type ResolvedTarget = { ok: true; target: WebhookTarget; addresses: ResolvedAddress[] } | (TargetRefusal & { forLog?: Record<string, unknown> });

export type TargetSettings = Pick<ApiConfig['webhooks'], 'allowedHosts' | 'allowedAddressRanges' | 'timeoutMs'>;

export class WebhookTargets {
  private readonly rules: WebhookHostRule[];
  private readonly allowedRanges: BlockList;

  constructor(
    private readonly settings: TargetSettings,
    private readonly lookup: WebhookLookup = systemLookup,
  ) {
    this.rules = webhookHostRules(settings.allowedHosts);
    this.allowedRanges = addressRanges(settings.allowedAddressRanges);
  }

  /** The target and the addresses to connect to, or why the webhook may not be called. */
  async resolve(url: string): Promise<ResolvedTarget> {
    const matched = matchAllowedTarget(url, this.rules);
    if (!matched.ok) return matched;
    const { target } = matched;
    if (target.isAddress) {
      const address = target.host.replace(/^\[|\]$/g, '');
      return { ok: true, target, addresses: [{ address, family: target.host.startsWith('[') ? 6 : 4 }] };
    }
    const resolved = await this.lookupWithin(target.host, this.settings.timeoutMs);
    if (!Array.isArray(resolved) || resolved.length === 0) {
      return { ...refuse('unresolvable', `${target.host} does not resolve`), forLog: Array.isArray(resolved) ? { addresses: [] } : { err: resolved } };
    }
    if (!resolved.every(({ address }) => isCallableAddress(address, this.allowedRanges))) {
      // The addresses are not for the tenant: they would map the operator's network.
      return { ...refuse('blocked', `${target.host} resolves to an address webhooks may not call (private, loopback or link-local)`), forLog: { addresses: resolved } };
    }
    return { ok: true, target, addresses: resolved };
  }

  /** The lookup's answer, or its error; a resolver that does not answer in time counts as no answer. */
  private async lookupWithin(host: string, timeoutMs: number): Promise<ResolvedAddress[] | Error> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Error>((resolve) => {
      timer = setTimeout(() => resolve(new Error(`no DNS answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.lookup(host), timeout]);
    } catch (err) {
      return err as Error;
    } finally {
      clearTimeout(timer);
    }
  }
}

// An undici Agent that connects only to addresses already checked: its lookup answers with them
// whatever the name, so DNS cannot change between the check and the connect. The URL keeps its
// name, so the Host header, TLS SNI and certificate check are still for that name.
import type { LookupAddress, LookupOptions } from 'node:dns';
import { Agent } from 'undici';
import type { ResolvedAddress } from './resolve-target.js';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export function pinnedAgent(addresses: readonly ResolvedAddress[], connectTimeoutMs: number): Agent {
  const [first] = addresses;
  if (!first) throw new Error('a pinned agent needs at least one address');
  // Node asks for every address ({ all: true }) when it tries families in turn (autoSelectFamily,
  // on by default in Node 20), and for one otherwise.
  const lookup = (_hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    if (options.all) callback(null, addresses.map(({ address, family }) => ({ address, family })));
    else callback(null, first.address, first.family);
  };
  return new Agent({ connect: { lookup, timeout: connectTimeoutMs }, connections: 1 });
}

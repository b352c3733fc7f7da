// Where each kind may run on this box: the GPUs config lists for it, else every GPU no cuOpt server
// owns (the kind catalog's rule, which the API's admission reads too); solve jobs on solve
// servers' slots. Checked at start: config that names a GPU this box lacks stops the scheduler.
import { KINDS, kindGpuRule, type GpuqConfig } from '@gpuq/shared';
import type { GpuSpec } from '../core/gpu-spec.js';
import type { SolveServers } from './solve/solve-servers.js';

/** Throws, naming the config field, when config names GPUs this box does not have or a cuOpt server owns. */
export function checkKindGpus(config: GpuqConfig, gpus: readonly GpuSpec[], solveServers: SolveServers | undefined): void {
  const known = new Set(gpus.map((g) => g.id));
  const has = `it has ${[...known].join(', ')}`;
  for (const [i, server] of (solveServers?.servers ?? []).entries()) {
    const unknown = (server.gpus ?? []).filter((id) => !known.has(id));
    if (unknown.length > 0) throw new Error(`config kinds.solve.servers[${i}] (${server.name}) names ${unknown.join(', ')}, which this box does not have (${has})`);
  }
  const owned = solveServers?.ownedGpus() ?? new Set<string>();
  const lists = [
    ...Object.entries(config.kinds).map(([kind, k]) => [`kinds.${kind}.gpus`, k.gpus ?? []] as const),
    ...Object.entries(config.kinds.inference.models).map(([name, m]) => [`kinds.inference.models.${name}.gpus`, m.gpus ?? []] as const),
  ];
  for (const [field, ids] of lists) {
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new Error(`config ${field} names ${unknown.join(', ')}, which this box does not have (${has})`);
    const taken = ids.filter((id) => owned.has(id));
    if (taken.length > 0) throw new Error(`config ${field} names ${taken.join(', ')}, which a cuOpt server owns (set sharesGpus: true on that server if it leaves room for other jobs)`);
  }
}

/** The devices each kind may use here; a kind absent from the map may use any GPU. */
export function devicesByKind(config: GpuqConfig, gpus: readonly GpuSpec[], solveServers: SolveServers | undefined): Map<string, ReadonlySet<string>> {
  const devices = new Map<string, ReadonlySet<string>>();
  for (const kind of KINDS) {
    if (kind === 'solve' && solveServers) {
      devices.set(kind, new Set(solveServers.devices().map((d) => d.id)));
      continue;
    }
    const rule = kindGpuRule(kind, config);
    if (rule.only) devices.set(kind, new Set(rule.only));
    // Beside solve servers, a kind is told the GPUs it may use by that name, even when it may use all.
    else if (solveServers) devices.set(kind, new Set(gpus.map((g) => g.id).filter((id) => !rule.except.includes(id))));
  }
  return devices;
}

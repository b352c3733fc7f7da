// A solve server's health as placement sees it: while the server is down its slots are drained
// (and, for a cuOpt server that owns its GPUs, those GPUs say why); a cuOpt server solves on its
// healthy GPUs only, one slot each, and takes nothing while all of them are drained.
import type { VramLedger } from '../../core/ledger.js';
import type { GpuHealth } from '../../gpus/gpu-health.js';
import { serverDeviceId, type SolveServers } from './solve-servers.js';

/** Drains a server's slots while it is down; `onChange` wakes placement and the inventory. */
export function drainServersWhileDown(servers: SolveServers, health: GpuHealth, onChange: () => void): void {
  servers.onStateChange((server, downReason) => {
    health.set(serverDeviceId(server.name), 'server', downReason);
    // Its GPUs are no use to anyone while it is down: say so where people look at GPUs.
    if (!server.sharesGpus) for (const gpu of server.gpus ?? []) health.set(gpu, 'server', downReason && `its cuOpt server ${server.name} is down`);
    onChange();
  });
}

/** Before each placement pass: each cuOpt server's slots follow its healthy GPUs. */
export function syncServerSlots(servers: SolveServers, ledger: VramLedger, health: GpuHealth): void {
  for (const server of servers.servers) {
    if (!server.gpus) continue;
    const id = serverDeviceId(server.name);
    const unwell = server.gpus.filter((gpu) => health.isUnwell(gpu));
    ledger.setMaxJobs(id, Math.max(1, server.gpus.length - unwell.length));
    const reason = unwell.length === server.gpus.length ? `its GPUs are drained (${unwell.map((g) => `${g}: ${health.reasonsOf(g).join('; ')}`).join('; ')})` : undefined;
    health.set(id, 'gpus', reason);
  }
}

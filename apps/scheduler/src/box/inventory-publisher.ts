// Publishes what the box has: every GPU's VRAM (total, headroom, not ours, reserved, free, used by
// our jobs), jobs, drain reason and readings, and the jobs held per kind. Written to Redis (fenced)
// for the API. Coalesced and paced: however many changes come, at most one write per
// MIN_INTERVAL_MS (a box of a thousand GPUs spent a third of its time here). The per-GPU gauges
// read the same snapshot when Prometheus scrapes, not on every publish (six thousand sets each).
import { keys, type Inventory } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import type { FencedWriter } from './fenced-writes.js';
import type { GpuMonitor } from '../gpus/gpu-monitor.js';
import type { VramLedger } from '../core/ledger.js';
import type { SchedulerMetrics } from '../metrics.js';
import { serverDeviceId, type SolveServers } from '../kinds/solve/solve-servers.js';

/** People and the API read this; a fifth of a second is fresh enough for both. */
const MIN_INTERVAL_MS = 200;

export interface InventorySource {
  schedulerId: string;
  boxId: string;
  ledger: VramLedger;
  monitor: GpuMonitor | undefined;
  kinds: () => string[];
  unavailableKinds: () => Record<string, string>;
  heldOf: (kind: string) => number;
  solveServers: SolveServers | undefined;
  /** The GPUs each kind may use on this box, for kinds narrowed to some (a kind on solve servers is not listed). */
  kindGpus: Record<string, string[]>;
  /** The GPUs each pinned inference model's server runs on. */
  modelGpus: Record<string, string[]>;
  /** Why an admin drained the box, while it is. */
  drainedReason: () => string | undefined;
}

export class InventoryPublisher {
  private isScheduled = false;
  private lastPublishedAt = 0;

  constructor(
    private readonly source: InventorySource,
    private readonly writer: FencedWriter,
    private readonly metrics: SchedulerMetrics,
    private readonly log: Logger,
  ) {
    metrics.setGpuSource(() => this.gpuStates());
  }

  /** Publishes at the end of this turn of the event loop, or when MIN_INTERVAL_MS has passed since the last. */
  request(): void {
    if (this.isScheduled) return;
    this.isScheduled = true;
    const publish = () => {
      this.isScheduled = false;
      this.lastPublishedAt = Date.now();
      this.publish().catch((err) => this.log.warn({ err }, 'could not publish the GPU inventory'));
    };
    const waitMs = this.lastPublishedAt + MIN_INTERVAL_MS - Date.now();
    if (waitMs <= 0) setImmediate(publish);
    else setTimeout(publish, waitMs).unref();
  }

  snapshot(): Inventory {
    const { ledger, monitor } = this.source;
    const kinds = this.source.kinds();
    return {
      schedulerId: this.source.schedulerId,
      boxId: this.source.boxId,
      updatedAt: Date.now(),
      kinds,
      unavailableKinds: this.source.unavailableKinds(),
      heldByKind: Object.fromEntries(kinds.map((kind) => [kind, this.source.heldOf(kind)])),
      gpus: this.gpuStates(),
      solveServers: (this.source.solveServers?.servers ?? []).map((server) => {
        const slots = ledger.capacity(serverDeviceId(server.name));
        return {
          name: server.name,
          url: server.url,
          gpus: server.gpus ?? [],
          problems: server.problems,
          slots: slots?.maxJobs ?? server.slots,
          running: slots?.jobs ?? 0,
          unavailableReason: slots?.drainedReason ?? null,
        };
      }),
      kindGpus: this.source.kindGpus,
      modelGpus: this.source.modelGpus,
      drainedReason: this.source.drainedReason() ?? null,
      gpuMonitor: monitor?.status() ?? null,
    };
  }

  /** This box's GPUs as published (solve servers' slots left out). */
  private gpuStates(): Inventory['gpus'] {
    const { ledger, monitor } = this.source;
    return ledger
      .capacities()
      .filter((c) => c.solveServer === undefined)
      .map((c) => {
        const spec = ledger.spec(c.id)!;
        const readout = monitor?.readout(c.id);
        return {
          id: c.id,
          ...(spec.uuid ? { uuid: spec.uuid } : {}),
          ...(spec.name ? { name: spec.name } : {}),
          isSimulated: spec.isSimulated,
          totalMb: c.totalMb,
          headroomMb: c.headroomMb,
          notOursMb: c.notOursMb,
          usedByUsMb: readout?.usedByUsMb ?? 0,
          usableMb: c.usableMb,
          reservedMb: c.reservedMb,
          freeMb: c.freeMb,
          jobs: c.jobs,
          drainedReason: c.drainedReason ?? null,
          utilizationPercent: readout?.utilizationPercent ?? null,
          temperatureC: readout?.temperatureC ?? null,
          busyUntil: ledger.busyUntil(c.id) ?? null,
        };
      });
  }

  async publish(): Promise<void> {
    const inventory = this.snapshot();
    if (inventory.gpuMonitor) this.metrics.gpuMonitorUp.set(inventory.gpuMonitor.problem === null ? 1 : 0);
    for (const [kind, n] of Object.entries(inventory.heldByKind)) this.metrics.windowJobs.set({ kind }, n);
    for (const server of inventory.solveServers) {
      this.metrics.solveServerUp.set({ server: server.name }, server.unavailableReason ? 0 : 1);
      this.metrics.solveServerRunning.set({ server: server.name }, server.running);
    }
    await this.writer.write(keys.inventory(inventory.boxId), { value: JSON.stringify(inventory) });
  }
}

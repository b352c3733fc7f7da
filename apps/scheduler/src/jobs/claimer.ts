// Takes this box's jobs from the shared queues (ADR 0004): on every wake-up (a job added or
// returned, a job ended here, a GPU changed, a retry due, the poll), one pass looks at the head of
// each kind's queue, chooses what this box can place now (core/claim-choice.ts), and claims those
// jobs for intake. Passes never overlap; wake-ups during a pass bring one more pass after it.
import type { Job } from 'bullmq';
import { JobData, parseStored, placementNeedFrom, placementNeedOf, QueuedNeed, queuedNeedOf, type Inventory, type PlacementNeed } from '@gpuq/shared';
import type { BoxStatesCache } from '@gpuq/runtime';
import { chooseClaims, type Candidate, type Claim } from '../core/claim-choice.js';
import { serverDeviceId } from '../kinds/solve/solve-servers.js';
import type { ClaimReads, HeadEntry } from '../queue/job-claims.js';
import { isTracingStages, markStage, stageClock } from './dispatch-stages.js';
import type { SchedulerServices } from './services.js';

export interface ClaimerOptions {
  boxId: string;
  boxStates: BoxStatesCache;
  /** This box as it publishes itself. */
  ownInventory: () => Inventory;
  /** Why an admin drained this box, while it is. */
  drainedReason: () => string | undefined;
  /** A claimed job and what the claim read of it, for intake; settles when intake is done with it. */
  take: (kind: string, job: Job, token: string, claim: Claim, reads: ClaimReads) => Promise<void>;
  /** Jobs looked at per kind and pass. */
  lookahead: number;
  /** A pass when nothing else woke one. */
  pollMs: number;
  /** How long no box must be able to run a job before it is failed as never fitting (boxes restart). */
  neverFitsGraceMs: number;
}

/** When a pass was asked for, began and read the queues, while dispatch stages are traced. */
interface PassTimes {
  wokenAt: number | undefined;
  passAt: number | undefined;
  peekedAt?: number;
}

function markClaimed(jobIds: readonly string[], times: PassTimes, claimedAt: number): void {
  for (const id of jobIds) {
    markStage(id, 'woken', times.wokenAt ?? times.passAt);
    markStage(id, 'pass', times.passAt);
    markStage(id, 'peeked', times.peekedAt);
    markStage(id, 'claimed', claimedAt);
  }
}

export class Claimer {
  private isScheduled = false;
  private isRunning = false;
  private isWanted = false;
  private isStopped = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private delayedTimer: NodeJS.Timeout | undefined;
  /** Claimed and not yet held by the window (or ended): they will use room first. */
  private readonly inIntake = new Map<string, { kind: string; vramMb: number; devices: ReadonlySet<string> | undefined }>();
  /** When each job was first seen that no box could run. */
  private readonly neverFitsSince = new Map<string, number>();
  /** Needs this box worked out, by job id: a job's data is read once. */
  private readonly needs = new Map<string, QueuedNeed>();
  /** While dispatch stages are traced: when the next pass was first asked for. */
  private wokenAt: number | undefined;

  constructor(
    private readonly services: SchedulerServices,
    private readonly options: ClaimerOptions,
  ) {}

  start(): void {
    this.pollTimer = setInterval(() => this.request(), this.options.pollMs);
    this.pollTimer.unref();
    this.request();
  }

  stop(): void {
    this.isStopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.delayedTimer);
  }

  /** A pass at the end of this turn of the event loop (or after the one running now). */
  request(): void {
    if (this.isStopped) return;
    if (isTracingStages()) this.wokenAt ??= stageClock();
    if (this.isRunning) {
      this.isWanted = true;
      return;
    }
    if (this.isScheduled) return;
    this.isScheduled = true;
    setImmediate(() => {
      this.isScheduled = false;
      void this.pass();
    });
  }

  private async pass(): Promise<void> {
    if (this.isStopped || this.isRunning) return;
    this.isRunning = true;
    this.isWanted = false;
    let isFull = false;
    const times = { wokenAt: this.wokenAt, passAt: isTracingStages() ? stageClock() : undefined };
    this.wokenAt = undefined;
    try {
      isFull = await this.claimOnce(times);
    } catch (err) {
      this.services.log.warn({ err }, 'could not take jobs from the queue; trying again at the next wake-up');
    } finally {
      this.isRunning = false;
    }
    // Took as many as one pass may: there may be more room.
    if (this.isWanted || isFull) this.request();
  }

  /** One pass; true when it took as many jobs as a pass may. */
  private async claimOnce(times: PassTimes): Promise<boolean> {
    const { services, options } = this;
    const { queues, core, config } = services;
    const now = Date.now();
    const kinds = [...queues.keys()];
    const [states, ...peeks] = await Promise.all([options.boxStates.get(), ...kinds.map((kind) => queues.get(kind)!.peek(options.lookahead))]);
    if (times.passAt !== undefined) times.peekedAt = stageClock();
    const candidates: Candidate[] = [];
    this.scheduleDelayed(Math.min(...peeks.map((p) => p.nextDelayedAt ?? Infinity)), now);
    for (const [k, kind] of kinds.entries()) {
      const peek = peeks[k]!;
      const learned = new Map<string, string>();
      for (const entry of peek.head) {
        const queued = this.queuedNeedOf(kind, entry, learned);
        const need = queued ? placementNeedFrom(queued, config, entry.minVramMb) : undefined;
        candidates.push({
          id: entry.id,
          kind,
          need,
          devices: need ? this.devicesFor(kind, need) : undefined,
          priority: queued?.priority ?? 0,
          submittedAt: queued?.submittedAt ?? now,
          isCancelled: entry.isCancelled,
          hasCpuStageFirst: services.executors.get(kind)?.prepare !== undefined,
          ...(entry.lastPhase === 'running' && entry.lastBox !== undefined ? { lastBox: { boxId: entry.lastBox, isUp: entry.isLastBoxUp || entry.lastBox === options.boxId } } : {}),
        });
      }
      if (learned.size > 0) void queues.get(kind)!.storeNeeds(learned).catch((err) => services.log.warn({ err }, 'could not store the needs of queued jobs'));
    }
    this.forgetAllBut(new Set(candidates.map((c) => c.id)));
    // One order across the kinds' queues: priority, then age.
    candidates.sort((a, b) => b.priority - a.priority || a.submittedAt - b.submittedAt);
    const maxClaims = config.scheduler.windowPerKind * kinds.length;
    const pending = [...core.window.ordered().map((job) => ({ vramMb: job.vramMb, devices: job.devices ?? services.devices.get(job.kind) })), ...this.inIntake.values()];
    const claims = chooseClaims(candidates, {
      boxId: options.boxId,
      isDrained: options.drainedReason() !== undefined,
      capacities: core.ledger.capacities(),
      pending,
      packing: config.scheduler.policy,
      maxJobsPerGpu: config.scheduler.maxJobsPerGpu,
      starvationAfterMs: config.scheduler.starvationAfterS * 1000,
      own: options.ownInventory(),
      others: states.inventories.filter((i) => i.boxId !== options.boxId),
      maxClaims,
      heldByKind: this.heldByKind(kinds),
      lookaheadPerKind: config.scheduler.windowPerKind,
      now,
    }).filter((claim) => this.isNeverFitsSettled(claim, now));
    await this.claim(claims, candidates, times);
    return claims.filter((c) => c.reason === 'fits' || c.reason === 'starving' || c.reason === 'look-ahead').length >= maxClaims;
  }

  /** Jobs of each kind held in the window or in intake now. */
  private heldByKind(kinds: readonly string[]): Map<string, number> {
    const held = new Map(kinds.map((kind) => [kind, this.services.core.window.countOf(kind)]));
    for (const { kind } of this.inIntake.values()) held.set(kind, (held.get(kind) ?? 0) + 1);
    return held;
  }

  /** The stored need, else one worked out from the job's data (and stored for the others). */
  private queuedNeedOf(kind: string, entry: HeadEntry, learned: Map<string, string>): QueuedNeed | undefined {
    const known = this.needs.get(entry.id) ?? parseStored(QueuedNeed, entry.storedNeed);
    if (known) return known;
    if (entry.data === undefined) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(entry.data);
    } catch {
      return undefined;
    }
    const data = JobData.safeParse(raw);
    if (!data.success || data.data.kind !== kind) return undefined;
    // Version 2 data carries the need it was admitted with; version 1, the input to work it out from.
    const queued = data.data.v === 2 ? data.data.need : queuedNeedOf(data.data, placementNeedOf(data.data.kind, { input: data.data.input, requestedVramMb: data.data.requestedVramMb }, this.services.config));
    this.needs.set(entry.id, queued);
    learned.set(entry.id, JSON.stringify(queued));
    return queued;
  }

  /** The devices here a need may use: its solve servers' slots, its model's GPUs, or its kind's. */
  private devicesFor(kind: string, need: PlacementNeed): ReadonlySet<string> | undefined {
    if (need.type === 'server-slot') return new Set(need.servers.map(serverDeviceId));
    return need.gpus ? new Set(need.gpus) : this.services.devices.get(kind);
  }

  /** A job no box can run is failed only once that held for the grace period (a box may be restarting). */
  private isNeverFitsSettled(claim: Claim, now: number): boolean {
    if (claim.reason !== 'never-fits') return true;
    const since = this.neverFitsSince.get(claim.id) ?? now;
    this.neverFitsSince.set(claim.id, since);
    return now - since >= this.options.neverFitsGraceMs;
  }

  private async claim(claims: readonly Claim[], candidates: readonly Candidate[], times: PassTimes): Promise<void> {
    const byId = new Map(candidates.map((c) => [c.id, c]));
    const byKind = new Map<string, Claim[]>();
    for (const claim of claims) byKind.set(claim.kind, [...(byKind.get(claim.kind) ?? []), claim]);
    await Promise.all(
      [...byKind].map(async ([kind, kindClaims]) => {
        const got = await this.services.queues.get(kind)!.claim(kindClaims.map((c) => c.id));
        if (times.passAt !== undefined) markClaimed(got.map(({ job }) => job.id!), times, stageClock());
        for (const { job, token, reads } of got) {
          const claim = kindClaims.find((c) => c.id === job.id)!;
          const candidate = byId.get(claim.id)!;
          this.neverFitsSince.delete(claim.id);
          this.needs.delete(claim.id);
          if (claim.reason === 'fits' || claim.reason === 'starving' || claim.reason === 'look-ahead') {
            this.inIntake.set(claim.id, { kind, vramMb: candidate.need?.type === 'vram' ? candidate.need.vramMb : 0, devices: candidate.devices });
          }
          void this.options
            .take(kind, job, token, claim, reads)
            .catch((err) => this.services.log.error({ err, jobId: job.id }, 'could not take the job'))
            .finally(() => {
              this.inIntake.delete(claim.id);
              this.request();
            });
        }
      }),
    );
  }

  /** What this box remembers of queued jobs is kept only for those still at the heads of the queues. */
  private forgetAllBut(ids: ReadonlySet<string>): void {
    for (const id of this.needs.keys()) if (!ids.has(id)) this.needs.delete(id);
    for (const id of this.neverFitsSince.keys()) if (!ids.has(id)) this.neverFitsSince.delete(id);
  }

  /** A pass when the next retry's backoff is over. */
  private scheduleDelayed(at: number, now: number): void {
    if (!Number.isFinite(at)) return;
    clearTimeout(this.delayedTimer);
    this.delayedTimer = setTimeout(() => this.request(), Math.max(0, at - now) + 5);
    this.delayedTimer.unref();
  }
}

// A deterministic trace for the packing benchmark, from a seeded PRNG: many small solves, medium
// inference jobs and a few large folds, all arriving within the first minute, so the makespan is
// set by packing (a backlog), not by when the last job arrives.
import type { TraceJob } from '@gpuq/scheduler/dist/core/simulator.js';

/** mulberry32: a small, well-mixed 32-bit PRNG; the same seed gives the same trace everywhere. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface KindMix {
  kind: string;
  share: number;
  vramMb: readonly number[];
  /** Durations are log-uniform in this range: many short jobs, a few long ones. */
  durationS: readonly [number, number];
}

export const BACKLOG_MIX: readonly KindMix[] = [
  { kind: 'solve', share: 0.6, vramMb: [1_024, 2_048, 4_096], durationS: [5, 120] },
  { kind: 'inference', share: 0.3, vramMb: [6_144, 8_192, 12_288], durationS: [10, 90] },
  { kind: 'fold', share: 0.1, vramMb: [20_480, 32_768, 61_440], durationS: [120, 600] },
];

export function backlogTrace(options: { jobs: number; arrivalS: number; seed: number }): TraceJob[] {
  const random = prng(options.seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const jobs: TraceJob[] = [];
  for (let i = 0; i < options.jobs; i++) {
    let roll = random();
    const mix = BACKLOG_MIX.find((m) => (roll -= m.share) < 0) ?? BACKLOG_MIX.at(-1)!;
    const [low, high] = mix.durationS;
    jobs.push({
      id: `${mix.kind}-${i}`,
      submitAt: Math.round(random() * options.arrivalS * 100) / 100,
      kind: mix.kind,
      vramMb: pick(mix.vramMb),
      durationS: Math.round(low * (high / low) ** random() * 10) / 10,
      priority: 50,
    });
  }
  return jobs.sort((a, b) => a.submitAt - b.submitAt);
}

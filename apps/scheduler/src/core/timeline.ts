// VRAM over time on one GPU: running jobs until their end bound, reservations for starving jobs
// from the moment they will fit. Pure functions: "does this job fit now without delaying a
// reservation", and "when is the soonest this job fits".

export interface Interval {
  start: number;
  /** Exclusive. A running job's end is its latest possible end: dispatch time + its timeout. */
  end: number;
  vramMb: number;
}

export interface Limits {
  usableMb: number;
  maxJobs: number;
}

/** Whether `candidate` can be added to `intervals` without exceeding VRAM or the job count at any moment. */
export function fitsOverTime(intervals: readonly Interval[], candidate: Interval, limits: Limits): boolean {
  // Use only grows where an interval starts, so checking those instants is enough.
  const instants = [candidate.start];
  for (const iv of intervals) if (iv.start > candidate.start && iv.start < candidate.end) instants.push(iv.start);
  for (const t of instants) {
    let usedMb = candidate.vramMb;
    let jobs = 1;
    for (const iv of intervals) {
      if (iv.start <= t && t < iv.end) {
        usedMb += iv.vramMb;
        jobs++;
      }
    }
    if (usedMb > limits.usableMb || jobs > limits.maxJobs) return false;
  }
  return true;
}

/** The soonest moment at or after `now` at which a job of this size and duration fits; undefined if never. */
export function earliestStart(intervals: readonly Interval[], vramMb: number, durationMs: number, now: number, limits: Limits): number | undefined {
  if (vramMb > limits.usableMb) return undefined;
  const candidates = [now, ...intervals.map((iv) => iv.end).filter((end) => end > now)].sort((a, b) => a - b);
  for (const start of candidates) {
    if (fitsOverTime(intervals, { start, end: start + durationMs, vramMb }, limits)) return start;
  }
  return undefined;
}

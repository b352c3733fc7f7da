// A MILP's progress from cuOpt's incumbents: each improving solution is handed out once, so the
// latest is the best so far; with its bound it gives the gap a person watches close.
import type { cuopt } from '@gpuq/shared';

export class IncumbentProgress {
  private count = 0;
  private best: cuopt.Incumbent | undefined;

  /** The progress after these incumbents, or undefined when they hold nothing new (or only the end sentinel). */
  add(incumbents: readonly cuopt.Incumbent[]): cuopt.SolveProgress | undefined {
    const real = incumbents.filter((i) => i.cost !== null);
    if (real.length === 0) return undefined;
    this.count += real.length;
    this.best = real[real.length - 1];
    return this.progress();
  }

  progress(): cuopt.SolveProgress {
    const best = this.best?.cost ?? null;
    const bound = this.best?.bound ?? null;
    const gap = best !== null && bound !== null && best !== 0 ? Math.abs(best - bound) / Math.abs(best) : null;
    return { incumbents: this.count, bestObjective: best, bound, gap };
  }
}

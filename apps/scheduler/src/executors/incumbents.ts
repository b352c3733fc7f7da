// A MILP's incumbents from cuOpt's `GET /cuopt/solution/{id}/incumbents`: each improving solution is
// handed out once, so the latest is the best so far; with its bound (newer servers send one) it gives
// the gap a person watches close. The feed passes each one on as the server sent it, and notes the
// end marker, after which none will come.
import { z } from 'zod';
import { cuopt } from '@gpuq/shared';
import type { ExecutionHooks } from './executor.js';

const IncumbentList = z.array(cuopt.Incumbent);

export class IncumbentProgress {
  private count = 0;
  private best: cuopt.Incumbent | undefined;

  /** The progress after these incumbents, or undefined when they hold nothing new (or only the end marker). */
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

export class IncumbentFeed {
  private readonly progress = new IncumbentProgress();
  /** The server sent the end marker: the request is over and no incumbent is left. */
  isOver = false;

  /**
   * One reply's body: each incumbent in it goes to `onIncumbent` (the element as sent, extra keys
   * and all), then the job's progress is updated. Whether it held any incumbent; false for a body
   * that is not a list of incumbents.
   */
  take(body: unknown, hooks: Pick<ExecutionHooks, 'onProgress' | 'onIncumbent'>): boolean {
    const parsed = IncumbentList.safeParse(body);
    if (!parsed.success) return false;
    const sent = body as cuopt.Incumbent[];
    const real: cuopt.Incumbent[] = [];
    parsed.data.forEach((incumbent, i) => {
      if (cuopt.isEndMarker(incumbent)) this.isOver = true;
      else if (incumbent.cost !== null) {
        real.push(incumbent);
        hooks.onIncumbent?.(sent[i]!);
      }
    });
    const update = this.progress.add(real);
    if (update) hooks.onProgress(update);
    return real.length > 0;
  }
}

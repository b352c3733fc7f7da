// What the API can tell from config alone about a solve job that goes to solve servers: that it
// reserves no VRAM (it takes a server's slot), and that some server takes its kind of problem (a
// VRP needs a cuOpt server). Refused at submit, so it never waits for a server that cannot come.
import { formatPath, solveProblemOf, solveServersFor, whyNoSolveServerFor, type GpuqConfig, type JobRequest } from '@gpuq/shared';
import { ApiError } from './errors.js';

export function checkSolveRouting(request: JobRequest, config: GpuqConfig, path: string): void {
  const servers = config.kinds.solve.servers;
  if (request.kind !== 'solve' || !servers) return;
  if (request.resources?.vramMb !== undefined) {
    const message = "solve jobs take a solve server's slot (kinds.solve.servers), not VRAM: leave resources.vramMb out";
    throw new ApiError('validation_failed', undefined, [{ path: `${path}${formatPath(['resources', 'vramMb'])}`, message }]);
  }
  const problem = solveProblemOf(request.input);
  if (solveServersFor(problem, servers).length === 0) {
    const message = whyNoSolveServerFor(problem, servers);
    throw new ApiError('problem_not_served', message, [{ path: `${path}input`, message }]);
  }
}

// The solve kind: with solve servers configured (kinds.solve.servers), a job takes a slot of a
// server that takes its kind of problem (a VRP needs a cuOpt server), not VRAM; with an executor
// instead, it is placed on a GPU by VRAM like any other kind.
import { vramNeed, type KindSpec } from '../kind-spec.js';
import { SolveInput } from './solve-input.js';
import { solveProblemOf, solveServersFor, whyNoSolveServerFor } from './solve-request.js';

export const solveKind: KindSpec<SolveInput> = {
  input: SolveInput,
  check({ requestedVramMb }, config) {
    if (!config.kinds.solve.servers || requestedVramMb === undefined) return [];
    return [{ path: ['resources', 'vramMb'], message: "solve jobs take a solve server's slot (kinds.solve.servers), not VRAM: leave resources.vramMb out" }];
  },
  need({ input, requestedVramMb }, config) {
    const { servers, defaultVramMb } = config.kinds.solve;
    if (!servers) return vramNeed(requestedVramMb, { vramMb: defaultVramMb, source: 'default', configField: 'kinds.solve.defaultVramMb' });
    const problem = solveProblemOf(input);
    const takers = solveServersFor(problem, servers).map((s) => s.name);
    return { type: 'server-slot', problem, servers: takers, ...(takers.length === 0 ? { whyNone: whyNoSolveServerFor(problem, servers) } : {}) };
  },
};

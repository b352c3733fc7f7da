// What the cuOpt server does to an LP body before validating it (job_queue.py): pre-25.05 field
// names renamed to the current ones, and bound lists whose IEEE infinities (a msgpack-numpy float
// array, or Python's JSON `Infinity`) stand for "inf"/"ninf".

const SOLVER_CONFIG_RENAMES: Record<string, string> = { solver_mode: 'pdlp_solver_mode', heuristics_only: 'mip_heuristics_only' };
const TOLERANCE_RENAMES: Record<string, string> = {
  integrality_tolerance: 'mip_integrality_tolerance',
  absolute_mip_gap: 'mip_absolute_gap',
  relative_mip_gap: 'mip_relative_gap',
};

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function rename(target: Json, renames: Record<string, string>): void {
  for (const [from, to] of Object.entries(renames)) {
    if (!Object.hasOwn(target, from)) continue;
    target[to] = target[from];
    delete target[from];
  }
}

function infinitiesAsStrings(list: unknown): unknown {
  if (!Array.isArray(list)) return list;
  return list.map((b) => (b === Infinity ? 'inf' : b === -Infinity ? 'ninf' : (b as unknown)));
}

/** Applies cuOpt's compatibility steps to one LP in place; a body that is not an object is left alone. */
export function applyLpCompat(lp: unknown): unknown {
  if (!isObject(lp)) return lp;
  const config = lp.solver_config;
  if (isObject(config)) {
    rename(config, SOLVER_CONFIG_RENAMES);
    if (isObject(config.tolerances)) rename(config.tolerances, TOLERANCE_RENAMES);
  }
  for (const key of ['constraint_bounds', 'variable_bounds']) {
    const bounds = lp[key];
    if (!isObject(bounds)) continue;
    for (const side of ['bounds', 'upper_bounds', 'lower_bounds']) {
      if (side in bounds) bounds[side] = infinitiesAsStrings(bounds[side]);
    }
  }
  return lp;
}

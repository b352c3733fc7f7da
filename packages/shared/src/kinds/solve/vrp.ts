// The routing input of the `solve` kind: a cuOpt VRP exactly as `POST /cuopt/request` takes it (cuOpt
// 25.08, `cuopt_server/utils/routing/data_definition.py`), with the cross-field checks that the server
// and the solver would otherwise make one at a time, after the job has waited in the queue.
import { type z } from 'zod';
import { VrpShape } from './vrp-shape.js';
import { checkVrp } from './vrp-checks.js';
import { locationSpace } from './vrp-travel.js';

// The checks live in vrp-checks.ts; callers import checkVrp from here, beside the schema that runs it.
export { checkVrp };

// zod 4 runs refinements after non-fatal issues too (an empty list, a negative index); the checks
// index by the values they read, so they wait for a well-formed shape.
export const VrpInput = VrpShape.superRefine(
  (vrp, ctx) => {
    for (const issue of checkVrp(vrp)) ctx.addIssue({ code: 'custom', ...issue });
  },
  { when: (payload) => payload.issues.length === 0 },
);
export type VrpInput = z.infer<typeof VrpInput>;

/** How big a problem is, for estimates and limits: locations are 0 when the travel data is missing. */
export function vrpSize(vrp: VrpInput): { locations: number; tasks: number; vehicles: number } {
  return {
    locations: locationSpace(vrp)?.count ?? 0,
    tasks: vrp.task_data.task_locations.length,
    vehicles: vrp.fleet_data.vehicle_locations.length,
  };
}

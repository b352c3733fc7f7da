// The shape of a cuOpt VRP (its fields and their types; see vrp.ts) without the cross-field checks, and how
// cuOpt reads absent fields. vrp.ts refines it with checkVrp; vrp-checks.ts takes it from here, not from vrp.ts.
import { z } from 'zod';

// cuOpt reads null as "not given" for every optional field (and an empty list too: see `given`).
const nullish = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const Int = z.int32('expected a whole number (32-bit)');
const Index = Int.nonnegative('must be 0 or more');
const Time = Int.nonnegative('a time must be 0 or more');
const TimeWindow = z.tuple([Time, Time], { error: 'a time window is [earliest, latest]' });
const Cost = z.number().nonnegative('must be 0 or more');

// Limits of the solver itself (cpp/src/routing/data_model_view.cu, order_info.cu).
const MAX_TASKS = 65_534;
const MAX_DIMENSIONS = 3;
const MAX_PICKUP_DELIVERY_PAIRS = 16_383;

/** A map keyed by vehicle type: JSON keys "0" to "255", which cuOpt reads as uint8. */
function byVehicleType<T extends z.ZodType>(value: T) {
  return z.record(z.string().regex(/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/), value, {
    error: (issue) => (issue.code === 'invalid_key' ? 'keys are vehicle types, integers from 0 to 255' : undefined),
  });
}

const Matrices = z.strictObject({
  data: nullish(byVehicleType(z.array(z.array(Cost)))).describe(
    'One square matrix per vehicle type: [i][j] is the cost (or time) of going from location i to j.',
  ),
});

const WaypointGraph = z.strictObject({
  offsets: z.array(Index).describe('CSR offsets: the edges leaving vertex v are edges[offsets[v]] to edges[offsets[v + 1] - 1].'),
  edges: z.array(Index).describe('The vertex each edge leads to.'),
  weights: nullish(z.array(Cost)).describe('The weight of each edge.'),
});

const WaypointGraphs = z.strictObject({
  waypoint_graph: nullish(byVehicleType(WaypointGraph)).describe('One graph per vehicle type; locations are its vertices.'),
});

const OrderVehicleMatch = z.strictObject({
  order_id: Index.describe('A task index.'),
  vehicle_ids: z.array(Index).min(1, 'name at least one vehicle').describe('Indices of the vehicles that may serve the task.'),
});

const VehicleOrderMatch = z.strictObject({
  vehicle_id: Index.describe('A vehicle index.'),
  order_ids: z.array(Index).min(1, 'name at least one task').describe('Indices of the tasks this vehicle may serve.'),
});

const VehicleBreak = z.strictObject({
  vehicle_id: Index,
  earliest: Time,
  latest: Time,
  duration: Time,
  // Pydantic's `Optional[...] = Field(...)`: the key is required, its value may be null.
  locations: z.array(Index).nullable().describe('Where the break may be taken; null for anywhere. cuOpt 25.08 requires the key.'),
});

const TaskData = z.strictObject({
  task_locations: z
    .array(Index)
    .min(1, 'needs at least one task')
    .max(MAX_TASKS, `cuOpt takes at most ${MAX_TASKS} tasks`)
    .describe("Each task's location; a task's index is its position in this list."),
  task_ids: nullish(z.array(z.string())).describe('A name for each task, used in the routes cuOpt returns.'),
  demand: nullish(z.array(z.array(Int)).max(MAX_DIMENSIONS, `cuOpt takes at most ${MAX_DIMENSIONS} demand dimensions`)).describe(
    "[dimension][task]: what each task uses of each vehicle capacity; a delivery's demand is its pickup's, negated.",
  ),
  pickup_and_delivery_pairs: nullish(
    z
      .array(z.tuple([Index, Index], { error: 'a pair is [pickup task index, delivery task index]' }))
      .max(MAX_PICKUP_DELIVERY_PAIRS, `cuOpt takes at most ${MAX_PICKUP_DELIVERY_PAIRS} pairs`),
  ).describe('[pickup task, delivery task] pairs; when given, every task is in exactly one pair.'),
  task_time_windows: nullish(z.array(TimeWindow)).describe('[earliest, latest] for each task.'),
  service_times: nullish(
    z.union(
      [
        z.array(Time),
        z.record(z.string().regex(/^\d+$/), z.array(Time), {
          error: (issue) => (issue.code === 'invalid_key' ? 'keys are vehicle indices (0, 1, ...)' : undefined),
        }),
      ],
      { error: 'expected a list with one service time per task, or {"<vehicle index>": list} for every vehicle' },
    ),
  ).describe('Time spent at each task: one list for all vehicles, or a list per vehicle index.'),
  prizes: nullish(z.array(z.number().nonnegative('a prize must be 0 or more'))).describe(
    'The reward for serving each task; with prizes, cuOpt may leave tasks out.',
  ),
  order_vehicle_match: nullish(z.array(OrderVehicleMatch)).describe('Tasks that only some vehicles may serve.'),
});

const FleetData = z.strictObject({
  vehicle_locations: z
    .array(z.tuple([Index, Index], { error: 'a vehicle location is [start, end]' }))
    .min(1, 'needs at least one vehicle')
    .describe("[start, end] location of each vehicle; a vehicle's index is its position in this list."),
  vehicle_ids: nullish(z.array(z.string())).describe('A name for each vehicle, used to key the routes cuOpt returns.'),
  capacities: nullish(
    z
      .array(z.array(Int.nonnegative('a capacity must be 0 or more')))
      .max(MAX_DIMENSIONS, `cuOpt takes at most ${MAX_DIMENSIONS} capacity dimensions`),
  ).describe('[dimension][vehicle], in the order of task_data.demand.'),
  vehicle_time_windows: nullish(z.array(TimeWindow)).describe('[earliest, latest] for each vehicle.'),
  vehicle_break_time_windows: nullish(z.array(z.array(TimeWindow))).describe('[break][vehicle]: when each break may start.'),
  vehicle_break_durations: nullish(z.array(z.array(Time))).describe('[break][vehicle]: how long each break lasts.'),
  vehicle_break_locations: nullish(z.array(Index)).describe('Where breaks may be taken; anywhere when not given.'),
  vehicle_breaks: nullish(z.array(VehicleBreak)).describe('Breaks per vehicle, instead of the vehicle_break_* lists.'),
  vehicle_types: nullish(z.array(Int.min(0).max(255, 'a vehicle type is an integer from 0 to 255'))).describe(
    "Each vehicle's type, which picks its matrices.",
  ),
  vehicle_order_match: nullish(z.array(VehicleOrderMatch)).describe('Vehicles that may serve only some tasks.'),
  skip_first_trips: nullish(z.array(z.boolean())).describe('Per vehicle: do not count the trip from its start location.'),
  drop_return_trips: nullish(z.array(z.boolean())).describe('Per vehicle: do not count the trip back to its end location.'),
  min_vehicles: nullish(Int.min(1, 'must be 1 or more')).describe('Use at least this many vehicles.'),
  vehicle_max_costs: nullish(z.array(z.number().positive('must be above 0'))).describe('The most cost each vehicle may incur.'),
  vehicle_max_times: nullish(z.array(z.number().positive('must be above 0'))).describe(
    'The most time each vehicle may work (travel, service and waiting); needs a travel time matrix.',
  ),
  vehicle_fixed_costs: nullish(z.array(z.number().nonnegative('must be 0 or more'))).describe('The cost of using each vehicle at all.'),
});

const Weight = nullish(z.number());

/** Known weights are typed; others pass through, as newer cuOpt servers accept more. */
const Objectives = z.looseObject({
  cost: Weight.describe('Default 1.'),
  travel_time: Weight.describe('Total time of the routes (travel, service and waiting). Default 0.'),
  variance_route_size: Weight,
  variance_route_service_time: Weight,
  prize: Weight.describe('Subtracted from the objective for the prizes collected. Default 0.'),
  vehicle_fixed_cost: Weight,
});

/** Known fields are typed; others pass through, as newer cuOpt servers accept more. */
const VrpSolverConfig = z.looseObject({
  time_limit: nullish(z.number().positive('must be above 0')).describe('Seconds. Without it cuOpt allows 10 + tasks / 6.'),
  objectives: nullish(Objectives).describe('Weights of the terms the solver minimises.'),
  // cuOpt writes this file on the server's own disk: a bare name keeps users out of its other paths.
  config_file: nullish(z.string().regex(/^\w[\w.-]*$/, 'must be a bare file name (letters, digits, ".", "-", "_")')).describe(
    'Where cuOpt dumps the problem as YAML, on the cuOpt server.',
  ),
  verbose_mode: nullish(z.boolean()).describe('Log solver internals. Default false.'),
  error_logging: nullish(z.boolean()).describe('Say which constraints an infeasible solution breaks. Default true.'),
});

const StopType = z.enum(['Depot', 'Pickup', 'Delivery', 'Break', 'w']);

/** Routes keyed by vehicle, as cuOpt returns them in `vehicle_data`; other fields of a route are ignored. */
const InitialSolution = z.record(
  z.string(),
  z.looseObject({
    task_id: nullish(z.array(z.string())).describe('"Depot", "Break" or a task index, per stop.'),
    type: nullish(z.array(StopType)),
  }),
);

export const VrpShape = z.strictObject({
  cost_matrix_data: nullish(Matrices).describe('The cost of travel; give this or cost_waypoint_graph_data.'),
  travel_time_matrix_data: nullish(Matrices).describe('Travel times, for time windows and vehicle_max_times; costs stand in when absent.'),
  cost_waypoint_graph_data: nullish(WaypointGraphs).describe('The cost of travel as a graph, instead of cost_matrix_data.'),
  travel_time_waypoint_graph_data: nullish(WaypointGraphs).describe('Travel times as a graph, with cost_waypoint_graph_data.'),
  task_data: TaskData,
  fleet_data: FleetData,
  initial_solution: nullish(z.array(InitialSolution)).describe('Solutions to start from, such as earlier responses.'),
  solver_config: nullish(VrpSolverConfig),
});
export type VrpShape = z.infer<typeof VrpShape>;

/** A list (or map) the way cuOpt sees it: null and empty count as not given. */
export function given<T>(value: T[] | null | undefined): T[] | undefined;
export function given<T>(value: Record<string, T> | null | undefined): Record<string, T> | undefined;
export function given<T>(value: T[] | Record<string, T> | null | undefined) {
  if (value == null) return undefined;
  return Object.keys(value).length === 0 ? undefined : value;
}

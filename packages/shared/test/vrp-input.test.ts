import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { VrpInput, checkVrp, vrpSize } from '../src/kinds/solve/vrp.js';
import { issuesToDetails } from '../src/validation.js';

type Vrp = z.input<typeof VrpInput>;

function problems(input: unknown) {
  const result = VrpInput.safeParse(input);
  return result.success ? [] : issuesToDetails(result.error.issues);
}

/** The problems of `base` after `change` is applied to a copy of it. */
function problemsAfter(base: Vrp, change: (vrp: Vrp) => void) {
  const vrp = structuredClone(base);
  change(vrp);
  return problems(vrp);
}

const matrix = (size: number, cost: (i: number, j: number) => number) =>
  Array.from({ length: size }, (_, i) => Array.from({ length: size }, (_, j) => cost(i, j)));

/** The VRP example of docs/contracts/cuopt-rest.md, as a user sends it. */
const CONTRACTS_VRP: Vrp = {
  cost_matrix_data: { data: { '0': [[0, 1], [1, 0]] } },
  task_data: { task_locations: [1], demand: [[1]], task_time_windows: [[0, 10]], service_times: [1] },
  fleet_data: { vehicle_locations: [[0, 0]], capacities: [[2]], vehicle_time_windows: [[0, 20]] },
  solver_config: { time_limit: 2 },
};

/**
 * A courier day: 7 locations, vans (type 1) and a bike (type 2), three pickup-and-delivery pairs
 * weighed in kilograms and litres, time windows, a lunch break and a cap on working time.
 */
const COURIER_VRP: Vrp = {
  cost_matrix_data: { data: { '1': matrix(7, (i, j) => Math.abs(i - j) * 10), '2': matrix(7, (i, j) => Math.abs(i - j) * 4) } },
  travel_time_matrix_data: { data: { '1': matrix(7, (i, j) => Math.abs(i - j) * 3), '2': matrix(7, (i, j) => Math.abs(i - j) * 5) } },
  cost_waypoint_graph_data: null,
  travel_time_waypoint_graph_data: null,
  task_data: {
    task_locations: [1, 2, 3, 4, 5, 6],
    task_ids: ['pick-a', 'drop-a', 'pick-b', 'drop-b', 'pick-c', 'drop-c'],
    demand: [
      [3, -3, 2, -2, 1, -1],
      [1, -1, 2, -2, 1, -1],
    ],
    pickup_and_delivery_pairs: [
      [0, 1],
      [2, 3],
      [4, 5],
    ],
    task_time_windows: [
      [0, 50],
      [10, 80],
      [0, 60],
      [20, 90],
      [5, 40],
      [10, 70],
    ],
    service_times: [2, 2, 3, 3, 1, 1],
    prizes: null,
    order_vehicle_match: [{ order_id: 4, vehicle_ids: [2] }],
  },
  fleet_data: {
    vehicle_locations: [
      [0, 0],
      [0, 0],
      [0, 6],
    ],
    vehicle_ids: ['van-1', 'van-2', 'bike-1'],
    capacities: [
      [5, 5, 2],
      [4, 4, 1],
    ],
    vehicle_time_windows: [
      [0, 100],
      [0, 100],
      [0, 60],
    ],
    vehicle_break_time_windows: [
      [
        [30, 40],
        [30, 40],
        [20, 30],
      ],
    ],
    vehicle_break_durations: [[5, 5, 5]],
    vehicle_types: [1, 1, 2],
    skip_first_trips: [false, false, true],
    drop_return_trips: [false, false, false],
    min_vehicles: 1,
    vehicle_max_times: [90, 90, 50],
    vehicle_fixed_costs: [20, 20, 5],
  },
  initial_solution: null,
  solver_config: {
    time_limit: 5,
    objectives: { cost: 1, travel_time: 0.5, variance_route_size: 0, variance_route_service_time: 0, prize: 0, vehicle_fixed_cost: 1 },
    config_file: null,
    verbose_mode: false,
    error_logging: true,
  },
};

describe('VrpInput (cuOpt VRP JSON)', () => {
  it('accepts the contract’s example and sizes it', () => {
    expect(problems(CONTRACTS_VRP)).toEqual([]);
    expect(vrpSize(VrpInput.parse(CONTRACTS_VRP))).toEqual({ locations: 2, tasks: 1, vehicles: 1 });
  });

  it("accepts cuOpt docs' smallest example, where a task sits at the depot", () => {
    const docs = { cost_matrix_data: { data: { '0': [[0, 1], [1, 0]] } }, task_data: { task_locations: [0, 1] }, fleet_data: { vehicle_locations: [[0, 0], [0, 0]] } };
    expect(problems(docs)).toEqual([]);
  });

  it('accepts a larger problem with vehicle types, two capacities, pairs, windows and breaks, nulls as absent', () => {
    expect(problems(COURIER_VRP)).toEqual([]);
    expect(vrpSize(VrpInput.parse(COURIER_VRP))).toEqual({ locations: 7, tasks: 6, vehicles: 3 });
  });

  it('accepts per-vehicle breaks, per-vehicle service times, prizes and an earlier response as initial solution', () => {
    const vrp = structuredClone(COURIER_VRP);
    vrp.fleet_data.vehicle_break_time_windows = null;
    vrp.fleet_data.vehicle_break_durations = [];
    vrp.fleet_data.vehicle_breaks = [
      { vehicle_id: 0, earliest: 20, latest: 30, duration: 5, locations: [0, 3] },
      { vehicle_id: 0, earliest: 60, latest: 70, duration: 5, locations: null },
    ];
    vrp.task_data.service_times = { '0': [2, 2, 3, 3, 1, 1], '1': [2, 2, 3, 3, 1, 1], '2': [1, 1, 1, 1, 1, 1] };
    vrp.task_data.prizes = [10, 10, 5, 5, 1, 1];
    vrp.initial_solution = [
      { 'van-1': { task_id: ['Depot', '0', '1', 'Depot'], type: ['Depot', 'Pickup', 'Delivery', 'Depot'], arrival_stamp: [0, 10, 20, 30], route: [0, 1, 2, 0] } },
    ];
    expect(problems(vrp)).toEqual([]);
  });

  it('accepts a waypoint graph and checks locations against its vertices', () => {
    const graph: Vrp = {
      cost_waypoint_graph_data: { waypoint_graph: { '0': { offsets: [0, 1, 2, 3], edges: [1, 2, 0], weights: [1, 1, 1] } } },
      task_data: { task_locations: [1, 2] },
      fleet_data: { vehicle_locations: [[0, 0]] },
    };
    expect(problems(graph)).toEqual([]);
    expect(vrpSize(VrpInput.parse(graph))).toEqual({ locations: 3, tasks: 2, vehicles: 1 });
    graph.task_data.task_locations = [1, 5];
    expect(problems(graph)).toEqual([{ path: 'task_data.task_locations[1]', message: 'location 5 is outside the waypoint graph (vertices 0..2)' }]);
  });

  it('names unknown fields, and lets unknown solver settings through', () => {
    const typo = { ...structuredClone(CONTRACTS_VRP), cost_matrix: {} };
    expect(problems(typo)).toEqual([{ path: 'cost_matrix', message: 'is not a known field' }]);
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => Object.assign(vrp.task_data, { task_location: [1] }))).toEqual([
      { path: 'task_data.task_location', message: 'is not a known field' },
    ]);
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => Object.assign(vrp.fleet_data, { vehicle_capacity: [2] }))).toEqual([
      { path: 'fleet_data.vehicle_capacity', message: 'is not a known field' },
    ]);
    const newer = { ...structuredClone(CONTRACTS_VRP), solver_config: { time_limit: 2, seed: 7 } };
    expect(VrpInput.parse(newer).solver_config).toEqual({ time_limit: 2, seed: 7 });
  });

  it('needs at least one task and one vehicle', () => {
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.task_data.task_locations = []))).toEqual([
      { path: 'task_data.task_locations', message: 'needs at least one task' },
    ]);
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.fleet_data.vehicle_locations = []))).toEqual([
      { path: 'fleet_data.vehicle_locations', message: 'needs at least one vehicle' },
    ]);
  });
});

describe('VrpInput matrices', () => {
  const FIVE = matrix(5, (i, j) => (i === j ? 0 : 1));

  it('refuses a matrix that is not square, naming the row', () => {
    const ragged = structuredClone(FIVE);
    ragged[3]!.pop();
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.cost_matrix_data = { data: { '0': ragged } }))).toEqual([
      { path: 'cost_matrix_data.data.0', message: 'row 3 has 4 entries; the matrix has 5 rows' },
    ]);
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.cost_matrix_data = { data: { '0': [] } }))).toEqual([
      { path: 'cost_matrix_data.data.0', message: 'is empty: a matrix has one row and one column per location' },
    ]);
  });

  it('refuses matrices of different sizes, across vehicle types and between cost and time', () => {
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.travel_time_matrix_data = { data: { '0': FIVE } }))).toEqual([
      { path: 'travel_time_matrix_data.data.0', message: 'covers 5 locations but cost_matrix_data.data.0 covers 2; all matrices must be the same size' },
    ]);
    const twoTypes = problemsAfter(COURIER_VRP, (vrp) => (vrp.cost_matrix_data!.data!['2'] = FIVE));
    expect(twoTypes).toEqual([{ path: 'cost_matrix_data.data.2', message: 'covers 5 locations but cost_matrix_data.data.1 covers 7; all matrices must be the same size' }]);
  });

  it('refuses negative or infinite entries and keys that are not vehicle types', () => {
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.cost_matrix_data!.data!['0']![0]![1] = -1))).toEqual([
      { path: 'cost_matrix_data.data.0[0][1]', message: 'must be 0 or more' },
    ]);
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.cost_matrix_data!.data!['0']![1]![0] = Infinity))[0]?.path).toBe('cost_matrix_data.data.0[1][0]');
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.cost_matrix_data = { data: { '256': [[0]] } }))).toContainEqual({
      path: 'cost_matrix_data.data.256',
      message: 'keys are vehicle types, integers from 0 to 255',
    });
  });

  it('needs a cost matrix or a waypoint graph, not both, and travel times in the same form', () => {
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => delete vrp.cost_matrix_data)).toEqual([
      { path: 'cost_matrix_data', message: 'is required: give cost_matrix_data (or cost_waypoint_graph_data) to price travel' },
    ]);
    const graph = { waypoint_graph: { '0': { offsets: [0, 1, 2], edges: [1, 0] } } };
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.cost_waypoint_graph_data = graph))).toEqual([
      { path: 'cost_waypoint_graph_data', message: 'give cost_matrix_data or cost_waypoint_graph_data, not both' },
    ]);
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.travel_time_waypoint_graph_data = graph))).toEqual([
      { path: 'travel_time_waypoint_graph_data', message: 'needs cost_waypoint_graph_data: travel times come in the same form as costs' },
    ]);
  });

  it('wants one weight per waypoint graph edge', () => {
    const graph: Vrp = {
      cost_waypoint_graph_data: { waypoint_graph: { '0': { offsets: [0, 1, 2], edges: [1, 0], weights: [1] } } },
      task_data: { task_locations: [1] },
      fleet_data: { vehicle_locations: [[0, 0]] },
    };
    expect(problems(graph)).toEqual([{ path: 'cost_waypoint_graph_data.waypoint_graph.0.weights', message: 'has 1 entry; edges has 2: one weight per edge' }]);
  });
});

describe('VrpInput locations and vehicle types', () => {
  it('refuses task, vehicle and break locations outside the matrix', () => {
    const vrp = structuredClone(COURIER_VRP);
    vrp.task_data.task_locations[4] = 9;
    vrp.fleet_data.vehicle_locations[2]![1] = 7;
    vrp.fleet_data.vehicle_break_locations = [0, 8];
    expect(problems(vrp)).toEqual([
      { path: 'task_data.task_locations[4]', message: 'location 9 is outside the cost matrix (locations 0..6)' },
      { path: 'fleet_data.vehicle_locations[2][1]', message: 'location 7 is outside the cost matrix (locations 0..6)' },
      { path: 'fleet_data.vehicle_break_locations[1]', message: 'location 8 is outside the cost matrix (locations 0..6)' },
    ]);
  });

  it('refuses a break location listed twice', () => {
    expect(problemsAfter(COURIER_VRP, (vrp) => (vrp.fleet_data.vehicle_break_locations = [3, 3]))).toEqual([
      { path: 'fleet_data.vehicle_break_locations[1]', message: 'location 3 is listed twice' },
    ]);
  });

  it('wants one vehicle type per vehicle, each with its matrices', () => {
    expect(problemsAfter(COURIER_VRP, (vrp) => (vrp.fleet_data.vehicle_types = [1, 2]))).toEqual([
      { path: 'fleet_data.vehicle_types', message: 'has 2 entries; the problem has 3 vehicles (fleet_data.vehicle_locations)' },
    ]);
    expect(problemsAfter(COURIER_VRP, (vrp) => (vrp.fleet_data.vehicle_types = [1, 3, 3]))).toEqual([
      { path: 'fleet_data.vehicle_types[1]', message: 'vehicle type 3 has no entry in cost_matrix_data.data (it has 1, 2)' },
      { path: 'fleet_data.vehicle_types[1]', message: 'vehicle type 3 has no entry in travel_time_matrix_data.data (it has 1, 2)' },
    ]);
    expect(problemsAfter(COURIER_VRP, (vrp) => (vrp.fleet_data.vehicle_types = null))).toEqual([
      { path: 'fleet_data.vehicle_types', message: 'is required: cost_matrix_data.data has matrices for vehicle types 1, 2; say which type each vehicle is' },
    ]);
    expect(problemsAfter(COURIER_VRP, (vrp) => delete vrp.travel_time_matrix_data!.data!['1'])).toContainEqual({
      path: 'fleet_data.vehicle_types[0]',
      message: 'vehicle type 1 has no entry in travel_time_matrix_data.data (it has 2)',
    });
  });

  it('refuses a vehicle type outside 0..255', () => {
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.fleet_data.vehicle_types = [300]))).toEqual([
      { path: 'fleet_data.vehicle_types[0]', message: 'a vehicle type is an integer from 0 to 255' },
    ]);
  });
});

describe('VrpInput demand and capacities', () => {
  it('needs as many capacity dimensions as demand dimensions', () => {
    expect(problemsAfter(COURIER_VRP, (vrp) => vrp.fleet_data.capacities!.pop())).toEqual([
      { path: 'fleet_data.capacities', message: 'has 1 dimension but task_data.demand has 2; give one capacity list per demand list, in the same order' },
    ]);
    expect(problemsAfter(COURIER_VRP, (vrp) => delete vrp.fleet_data.capacities)).toEqual([
      { path: 'fleet_data.capacities', message: 'is required with task_data.demand: one list per demand dimension, one entry per vehicle' },
    ]);
  });

  it('wants one demand per task and one capacity per vehicle in each dimension', () => {
    expect(problemsAfter(COURIER_VRP, (vrp) => vrp.task_data.demand![1]!.pop())).toEqual([
      { path: 'task_data.demand[1]', message: 'has 5 entries; the problem has 6 tasks (task_data.task_locations)' },
    ]);
    expect(problemsAfter(COURIER_VRP, (vrp) => vrp.fleet_data.capacities![0]!.pop())).toEqual([
      { path: 'fleet_data.capacities[0]', message: 'has 2 entries; the problem has 3 vehicles (fleet_data.vehicle_locations)' },
    ]);
  });

  it('takes at most three dimensions and no negative capacity', () => {
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.task_data.demand = [[1], [1], [1], [1]]))).toContainEqual({
      path: 'task_data.demand',
      message: 'cuOpt takes at most 3 demand dimensions',
    });
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.fleet_data.capacities = [[-2]]))).toEqual([
      { path: 'fleet_data.capacities[0][0]', message: 'a capacity must be 0 or more' },
    ]);
  });
});

describe('VrpInput time windows', () => {
  it('refuses task, vehicle and break windows that end before they start', () => {
    const vrp = structuredClone(COURIER_VRP);
    vrp.task_data.task_time_windows![2] = [60, 5];
    vrp.fleet_data.vehicle_time_windows![1] = [100, 0];
    vrp.fleet_data.vehicle_break_time_windows![0]![2] = [30, 20];
    expect(problems(vrp)).toEqual([
      { path: 'task_data.task_time_windows[2]', message: 'ends at 5, before it starts at 60' },
      { path: 'fleet_data.vehicle_time_windows[1]', message: 'ends at 0, before it starts at 100' },
      { path: 'fleet_data.vehicle_break_time_windows[0][2]', message: 'ends at 20, before it starts at 30' },
    ]);
  });

  it('wants one window per task and per vehicle, each [earliest, latest]', () => {
    const vrp = structuredClone(COURIER_VRP);
    vrp.task_data.task_time_windows!.pop();
    vrp.fleet_data.vehicle_time_windows!.push([0, 10]);
    expect(problems(vrp)).toEqual([
      { path: 'task_data.task_time_windows', message: 'has 5 entries; the problem has 6 tasks (task_data.task_locations)' },
      { path: 'fleet_data.vehicle_time_windows', message: 'has 4 entries; the problem has 3 vehicles (fleet_data.vehicle_locations)' },
    ]);
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.task_data.task_time_windows = [[0, 10, 20] as unknown as [number, number]]))).toEqual([
      { path: 'task_data.task_time_windows[0]', message: 'a time window is [earliest, latest]' },
    ]);
  });

  it('wants break durations with break windows, one per break and vehicle, fitting the vehicle window', () => {
    expect(problemsAfter(COURIER_VRP, (vrp) => delete vrp.fleet_data.vehicle_break_durations)).toEqual([
      { path: 'fleet_data.vehicle_break_durations', message: 'is required with vehicle_break_time_windows: [break][vehicle] durations' },
    ]);
    expect(problemsAfter(COURIER_VRP, (vrp) => vrp.fleet_data.vehicle_break_durations![0]!.pop())).toEqual([
      { path: 'fleet_data.vehicle_break_durations[0]', message: 'has 2 entries; the problem has 3 vehicles (fleet_data.vehicle_locations)' },
    ]);
    expect(problemsAfter(COURIER_VRP, (vrp) => (vrp.fleet_data.vehicle_break_time_windows![0]![2] = [58, 59]))).toEqual([
      { path: 'fleet_data.vehicle_break_time_windows[0][2]', message: "[58, 59] lasting 5 does not fit vehicle 2's time window [0, 60]" },
    ]);
  });

  it('checks per-vehicle breaks: the vehicle exists, the window is ordered, and breaks do not overlap', () => {
    const vrp = structuredClone(COURIER_VRP);
    vrp.fleet_data.vehicle_break_time_windows = null;
    vrp.fleet_data.vehicle_break_durations = null;
    vrp.fleet_data.vehicle_breaks = [
      { vehicle_id: 5, earliest: 20, latest: 30, duration: 5, locations: null },
      { vehicle_id: 0, earliest: 30, latest: 20, duration: 5, locations: null },
      { vehicle_id: 1, earliest: 20, latest: 40, duration: 5, locations: null },
      { vehicle_id: 1, earliest: 30, latest: 50, duration: 5, locations: [9] },
    ];
    expect(problems(vrp)).toEqual([
      { path: 'fleet_data.vehicle_breaks[0].vehicle_id', message: 'vehicle 5 does not exist (vehicles 0..2)' },
      { path: 'fleet_data.vehicle_breaks[1].latest', message: 'is 20, before earliest (30)' },
      { path: 'fleet_data.vehicle_breaks[3].locations[0]', message: 'location 9 is outside the cost matrix (locations 0..6)' },
      {
        path: 'fleet_data.vehicle_breaks[3].earliest',
        message: "is 30, before the window of vehicle 1's previous break (vehicle_breaks[2]) ends at 40; list a vehicle's breaks in time order, without overlap",
      },
    ]);
  });

  it('refuses per-vehicle breaks mixed with the break lists, and one without its locations key', () => {
    const mixed = problemsAfter(COURIER_VRP, (vrp) => (vrp.fleet_data.vehicle_breaks = [{ vehicle_id: 0, earliest: 20, latest: 30, duration: 5, locations: null }]));
    expect(mixed).toEqual([{ path: 'fleet_data.vehicle_breaks', message: 'give vehicle_breaks or the vehicle_break_* lists, not both' }]);
    const withoutKey = problemsAfter(CONTRACTS_VRP, (vrp) => Object.assign(vrp.fleet_data, { vehicle_breaks: [{ vehicle_id: 0, earliest: 1, latest: 5, duration: 1 }] }));
    expect(withoutKey).toEqual([{ path: 'fleet_data.vehicle_breaks[0].locations', message: 'is required' }]);
  });
});

describe('VrpInput task lists', () => {
  it('wants service times, prizes and ids per task', () => {
    const vrp = structuredClone(COURIER_VRP);
    vrp.task_data.service_times = [1, 2];
    vrp.task_data.prizes = [1, 1, 1, 1, 1, 1, 1];
    vrp.task_data.task_ids = ['only-one'];
    expect(problems(vrp)).toEqual([
      { path: 'task_data.task_ids', message: 'has 1 entry; the problem has 6 tasks (task_data.task_locations)' },
      { path: 'task_data.prizes', message: 'has 7 entries; the problem has 6 tasks (task_data.task_locations)' },
      { path: 'task_data.service_times', message: 'has 2 entries; the problem has 6 tasks (task_data.task_locations)' },
    ]);
  });

  it('wants per-vehicle service times for every vehicle that exists, and nothing else', () => {
    const times = [2, 2, 3, 3, 1, 1];
    expect(problemsAfter(COURIER_VRP, (vrp) => (vrp.task_data.service_times = { '0': times, '2': times, '3': times }))).toEqual([
      { path: 'task_data.service_times.3', message: 'vehicle 3 does not exist (vehicles 0..2)' },
      { path: 'task_data.service_times', message: 'has no list for vehicle 1: give one per vehicle (0..2), or a single list for all' },
    ]);
    expect(problemsAfter(COURIER_VRP, (vrp) => (vrp.task_data.service_times = { '0': times, '1': times, '2': [1] }))).toEqual([
      { path: 'task_data.service_times.2', message: 'has 1 entry; the problem has 6 tasks (task_data.task_locations)' },
    ]);
  });

  it('refuses matches with tasks or vehicles that do not exist', () => {
    const vrp = structuredClone(COURIER_VRP);
    vrp.task_data.order_vehicle_match = [{ order_id: 6, vehicle_ids: [0, 3] }];
    vrp.fleet_data.vehicle_order_match = [{ vehicle_id: 3, order_ids: [0, 7] }];
    expect(problems(vrp)).toEqual([
      { path: 'task_data.order_vehicle_match[0].order_id', message: 'task 6 does not exist (tasks 0..5)' },
      { path: 'task_data.order_vehicle_match[0].vehicle_ids[1]', message: 'vehicle 3 does not exist (vehicles 0..2)' },
      { path: 'fleet_data.vehicle_order_match[0].vehicle_id', message: 'vehicle 3 does not exist (vehicles 0..2)' },
      { path: 'fleet_data.vehicle_order_match[0].order_ids[1]', message: 'task 7 does not exist (tasks 0..5)' },
    ]);
  });
});

describe('VrpInput pickup and delivery pairs', () => {
  it('refuses pairs naming tasks that do not exist, a task twice, or a task as its own delivery', () => {
    const pairs = (value: [number, number][]) => problemsAfter(COURIER_VRP, (vrp) => (vrp.task_data.pickup_and_delivery_pairs = value));
    expect(pairs([[0, 1], [2, 3], [4, 6]])).toEqual([{ path: 'task_data.pickup_and_delivery_pairs[2][1]', message: 'task 6 does not exist (tasks 0..5)' }]);
    expect(pairs([[0, 1], [2, 1], [4, 5]])).toEqual([
      { path: 'task_data.pickup_and_delivery_pairs[1][1]', message: 'task 1 is already in pair 0; a task belongs to one pair' },
    ]);
    expect(pairs([[0, 0]])).toEqual([{ path: 'task_data.pickup_and_delivery_pairs[0]', message: 'task 0 cannot be its own delivery' }]);
    expect(pairs([[0, 1], [2, 3]])).toEqual([
      { path: 'task_data.pickup_and_delivery_pairs', message: 'leaves out task 4: with pairs, every task is a pickup or a delivery' },
    ]);
  });

  it("wants a delivery's demand to be its pickup's negated, its window to close after the pickup opens, and equal prizes", () => {
    const vrp = structuredClone(COURIER_VRP);
    vrp.task_data.demand![1]![3] = -1;
    vrp.task_data.task_time_windows![5] = [0, 4];
    vrp.task_data.prizes = [1, 1, 2, 3, 1, 1];
    expect(problems(vrp)).toEqual([
      { path: 'task_data.demand[1][3]', message: 'is -1; task 3 delivers what task 2 picks up (2), so it must be -2' },
      { path: 'task_data.prizes[3]', message: "is 3; its pickup (task 2) has 2: a pair's prizes must be equal" },
      { path: 'task_data.task_time_windows[5]', message: 'closes at 4, before its pickup (task 4) opens at 5' },
    ]);
  });
});

describe('VrpInput fleet limits and solver settings', () => {
  it('keeps min_vehicles within the fleet and the tasks', () => {
    expect(problemsAfter(COURIER_VRP, (vrp) => (vrp.fleet_data.min_vehicles = 4))).toEqual([
      { path: 'fleet_data.min_vehicles', message: 'is 4, more than the 3 vehicles in the fleet' },
    ]);
    const fewTasks = problemsAfter(CONTRACTS_VRP, (vrp) => {
      vrp.fleet_data = { vehicle_locations: [[0, 0], [0, 0]], capacities: [[2, 2]], min_vehicles: 2 };
    });
    expect(fewTasks).toEqual([{ path: 'fleet_data.min_vehicles', message: 'is 2, more than the 1 task to serve' }]);
  });

  it('needs travel times for vehicle_max_times, and positive limits', () => {
    expect(problemsAfter(COURIER_VRP, (vrp) => (vrp.travel_time_matrix_data = null))).toEqual([
      { path: 'fleet_data.vehicle_max_times', message: 'needs travel_time_matrix_data (or travel_time_waypoint_graph_data) to measure time by' },
    ]);
    expect(problemsAfter(COURIER_VRP, (vrp) => (vrp.fleet_data.vehicle_max_costs = [10, 0, 10]))).toEqual([
      { path: 'fleet_data.vehicle_max_costs[1]', message: 'must be above 0' },
    ]);
  });

  it('wants a positive time limit and a bare config file name', () => {
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.solver_config = { time_limit: 0 }))).toEqual([
      { path: 'solver_config.time_limit', message: 'must be above 0' },
    ]);
    expect(problemsAfter(CONTRACTS_VRP, (vrp) => (vrp.solver_config = { config_file: '../etc/cuopt.yaml' }))).toEqual([
      { path: 'solver_config.config_file', message: 'must be a bare file name (letters, digits, ".", "-", "_")' },
    ]);
  });

  it('checkVrp reports nothing for a valid problem, so the schema and the function agree', () => {
    expect(checkVrp(VrpInput.parse(COURIER_VRP))).toEqual([]);
  });
});

// checkVrp, the VRP's cross-field checks, which VrpInput (vrp.ts) runs as its refinement. It reads the shape
// from vrp-shape.ts, not vrp.ts, so the two files do not import each other; travel data is in vrp-travel.ts.
import { given, type VrpShape } from './vrp-shape.js';
import { count, type Issue, type Path } from './vrp-issue.js';
import { checkTravel, checkVehicleTypes, locationSpace, travelOf } from './vrp-travel.js';

/** The checks that span fields: sizes that must agree, indices in range, windows that make sense. */
export function checkVrp(vrp: VrpShape): Issue[] {
  const issues = checkTravel(vrp);
  const locations = issues.length === 0 ? locationSpace(vrp) : undefined;
  return [...issues, ...checkVehicleTypes(vrp), ...checkTasks(vrp, locations), ...checkFleet(vrp, locations)];
}

function checkTasks(vrp: VrpShape, locations: ReturnType<typeof locationSpace>): Issue[] {
  const issues: Issue[] = [];
  const task = vrp.task_data;
  const tasks = task.task_locations.length;
  const vehicles = vrp.fleet_data.vehicle_locations.length;
  const at = (...path: Path) => ['task_data', ...path];
  const perTask = (path: Path, list: unknown[] | null | undefined) => {
    const present = given(list);
    if (present && present.length !== tasks) {
      issues.push({ path, message: lengthMessage(present.length, tasks, 'task', 'task_data.task_locations') });
    }
  };

  task.task_locations.forEach((location, i) => issues.push(...checkLocation(at('task_locations', i), location, locations)));
  perTask(at('task_ids'), task.task_ids);
  given(task.demand)?.forEach((dimension, d) => perTask(at('demand', d), dimension));
  perTask(at('task_time_windows'), task.task_time_windows);
  issues.push(...checkWindows(at('task_time_windows'), given(task.task_time_windows)));
  perTask(at('prizes'), task.prizes);

  const serviceTimes = task.service_times;
  const serviceTimesByVehicle = Array.isArray(serviceTimes) ? undefined : given(serviceTimes);
  if (Array.isArray(serviceTimes)) perTask(at('service_times'), serviceTimes);
  if (serviceTimesByVehicle) {
    for (const [vehicle, times] of Object.entries(serviceTimesByVehicle)) {
      if (Number(vehicle) >= vehicles) {
        issues.push({
          path: at('service_times', vehicle),
          message: noSuch('vehicle', Number(vehicle), vehicles),
        });
      }
      perTask(at('service_times', vehicle), times);
    }
    // Without a list for all vehicles, cuOpt needs one for each (vehicle_routing.py, set_order_service_times).
    const missing = Array.from({ length: vehicles }, (_, v) => v).find((v) => !(String(v) in serviceTimesByVehicle));
    if (missing !== undefined) {
      issues.push({
        path: at('service_times'),
        message: `has no list for vehicle ${missing}: give one per vehicle (0..${vehicles - 1}), or a single list for all`,
      });
    }
  }

  given(task.order_vehicle_match)?.forEach((match, i) => {
    if (match.order_id >= tasks) {
      issues.push({
        path: at('order_vehicle_match', i, 'order_id'),
        message: noSuch('task', match.order_id, tasks),
      });
    }
    match.vehicle_ids.forEach((v, j) => {
      if (v >= vehicles) issues.push({ path: at('order_vehicle_match', i, 'vehicle_ids', j), message: noSuch('vehicle', v, vehicles) });
    });
  });
  // The pair checks read demand, windows and prizes by task index: only once their lengths are right.
  if (issues.length === 0) issues.push(...checkPickupDelivery(task));
  return issues;
}

/** Pairs name real tasks, cover every task once, and agree on demand, time and prize (order_info.cu). */
function checkPickupDelivery(task: VrpShape['task_data']): Issue[] {
  const pairs = given(task.pickup_and_delivery_pairs);
  if (!pairs) return [];
  const issues: Issue[] = [];
  const tasks = task.task_locations.length;
  const pairOf = new Map<number, number>();
  pairs.forEach(([pickup, delivery], p) => {
    const path = ['task_data', 'pickup_and_delivery_pairs', p];
    if (pickup === delivery) {
      issues.push({ path, message: `task ${pickup} cannot be its own delivery` });
      return;
    }
    [pickup, delivery].forEach((t, side) => {
      if (t >= tasks) issues.push({ path: [...path, side], message: noSuch('task', t, tasks) });
      else if (pairOf.has(t)) {
        issues.push({
          path: [...path, side],
          message: `task ${t} is already in pair ${pairOf.get(t)}; a task belongs to one pair`,
        });
      } else {
        pairOf.set(t, p);
      }
    });
  });
  if (issues.length > 0) return issues;
  const unpaired = task.task_locations.findIndex((_, t) => !pairOf.has(t));
  if (unpaired >= 0) {
    return [{
      path: ['task_data', 'pickup_and_delivery_pairs'],
      message: `leaves out task ${unpaired}: with pairs, every task is a pickup or a delivery`,
    }];
  }

  const demand = given(task.demand) ?? [];
  const windows = given(task.task_time_windows);
  const prizes = given(task.prizes);
  for (const [pickup, delivery] of pairs) {
    demand.forEach((dimension, d) => {
      const [pickedUp, delivered] = [dimension[pickup]!, dimension[delivery]!];
      if (delivered !== -pickedUp) {
        issues.push({
          path: ['task_data', 'demand', d, delivery],
          message: `is ${delivered}; task ${delivery} delivers what task ${pickup} picks up (${pickedUp}), so it must be ${-pickedUp}`,
        });
      }
    });
    if (windows && windows[delivery]![1] < windows[pickup]![0]) {
      issues.push({
        path: ['task_data', 'task_time_windows', delivery],
        message: `closes at ${windows[delivery]![1]}, before its pickup (task ${pickup}) opens at ${windows[pickup]![0]}`,
      });
    }
    if (prizes && prizes[delivery] !== prizes[pickup]) {
      issues.push({
        path: ['task_data', 'prizes', delivery],
        message: `is ${prizes[delivery]}; its pickup (task ${pickup}) has ${prizes[pickup]}: a pair's prizes must be equal`,
      });
    }
  }
  return issues;
}

function checkFleet(vrp: VrpShape, locations: ReturnType<typeof locationSpace>): Issue[] {
  const issues: Issue[] = [];
  const fleet = vrp.fleet_data;
  const vehicles = fleet.vehicle_locations.length;
  const tasks = vrp.task_data.task_locations.length;
  const at = (...path: Path) => ['fleet_data', ...path];

  fleet.vehicle_locations.forEach((pair, v) => {
    pair.forEach((location, side) => issues.push(...checkLocation(at('vehicle_locations', v, side), location, locations)));
  });
  const perVehicleLists = [
    'vehicle_ids',
    'vehicle_time_windows',
    'vehicle_types',
    'skip_first_trips',
    'drop_return_trips',
    'vehicle_max_costs',
    'vehicle_max_times',
    'vehicle_fixed_costs',
  ] as const;
  for (const field of perVehicleLists) {
    issues.push(...checkPerVehicle(at(field), fleet[field], vehicles));
  }
  issues.push(...checkWindows(at('vehicle_time_windows'), given(fleet.vehicle_time_windows)));

  const demand = given(vrp.task_data.demand);
  const capacities = given(fleet.capacities);
  capacities?.forEach((dimension, d) => issues.push(...checkPerVehicle(at('capacities', d), dimension, vehicles)));
  if (demand && !capacities) {
    issues.push({
      path: at('capacities'),
      message: 'is required with task_data.demand: one list per demand dimension, one entry per vehicle',
    });
  } else if (demand && capacities && demand.length !== capacities.length) {
    issues.push({
      path: at('capacities'),
      message:
        `has ${count(capacities.length, 'dimension')} but task_data.demand has ${demand.length}; ` +
        'give one capacity list per demand list, in the same order',
    });
  }

  issues.push(...checkBreaks(fleet, locations));
  given(fleet.vehicle_order_match)?.forEach((match, i) => {
    if (match.vehicle_id >= vehicles) {
      issues.push({
        path: at('vehicle_order_match', i, 'vehicle_id'),
        message: noSuch('vehicle', match.vehicle_id, vehicles),
      });
    }
    match.order_ids.forEach((t, j) => {
      if (t >= tasks) issues.push({ path: at('vehicle_order_match', i, 'order_ids', j), message: noSuch('task', t, tasks) });
    });
  });
  const minVehicles = fleet.min_vehicles;
  if (minVehicles != null && minVehicles > vehicles) {
    issues.push({ path: at('min_vehicles'), message: `is ${minVehicles}, more than the ${count(vehicles, 'vehicle')} in the fleet` });
  } else if (minVehicles != null && minVehicles > tasks) {
    issues.push({ path: at('min_vehicles'), message: `is ${minVehicles}, more than the ${count(tasks, 'task')} to serve` });
  }
  if (given(fleet.vehicle_max_times) && !travelOf(vrp, 'travel_time')) {
    issues.push({
      path: at('vehicle_max_times'),
      message: 'needs travel_time_matrix_data (or travel_time_waypoint_graph_data) to measure time by',
    });
  }
  return issues;
}

/** Uniform breaks ([break][vehicle] lists) or per-vehicle ones: each inside its vehicle's window (problem.cu). */
function checkBreaks(fleet: VrpShape['fleet_data'], locations: ReturnType<typeof locationSpace>): Issue[] {
  const issues: Issue[] = [];
  const vehicles = fleet.vehicle_locations.length;
  const at = (...path: Path) => ['fleet_data', ...path];
  const vehicleWindow = (v: number) => given(fleet.vehicle_time_windows)?.[v] ?? [0, Number.MAX_SAFE_INTEGER];
  // cuOpt's rule: a break may start late enough to fit before the vehicle's end, and after the vehicle's start.
  const misfit = (v: number, earliest: number, latest: number, duration: number): string | undefined => {
    const [start, end] = vehicleWindow(v);
    if (earliest + duration <= end && start <= latest) return undefined;
    return `[${earliest}, ${latest}] lasting ${duration} does not fit vehicle ${v}'s time window [${start}, ${end}]`;
  };

  const windows = given(fleet.vehicle_break_time_windows);
  const durations = given(fleet.vehicle_break_durations);
  const breakLocations = given(fleet.vehicle_break_locations);
  if (windows && !durations) {
    issues.push({
      path: at('vehicle_break_durations'),
      message: 'is required with vehicle_break_time_windows: [break][vehicle] durations',
    });
  }
  if (durations && !windows) {
    issues.push({
      path: at('vehicle_break_time_windows'),
      message: 'is required with vehicle_break_durations: [break][vehicle] time windows',
    });
  }
  if (windows && durations && durations.length !== windows.length) {
    issues.push({
      path: at('vehicle_break_durations'),
      message: `has ${count(durations.length, 'break')}; vehicle_break_time_windows has ${windows.length}`,
    });
  } else if (windows && durations) {
    for (const [b, byVehicle] of windows.entries()) {
      const shapeIssues = [
        ...checkPerVehicle(at('vehicle_break_time_windows', b), byVehicle, vehicles),
        ...checkPerVehicle(at('vehicle_break_durations', b), durations[b], vehicles),
        ...checkWindows(at('vehicle_break_time_windows', b), byVehicle),
      ];
      issues.push(...shapeIssues);
      if (shapeIssues.length > 0) continue;
      for (const [v, [earliest, latest]] of byVehicle.entries()) {
        const message = misfit(v, earliest, latest, durations[b]![v]!);
        if (message) issues.push({ path: at('vehicle_break_time_windows', b, v), message });
      }
    }
  }
  breakLocations?.forEach((location, i) => {
    issues.push(...checkLocation(at('vehicle_break_locations', i), location, locations));
    if (breakLocations.indexOf(location) < i) {
      issues.push({
        path: at('vehicle_break_locations', i),
        message: `location ${location} is listed twice`,
      });
    }
  });

  const breaks = given(fleet.vehicle_breaks);
  if (!breaks) return issues;
  if (windows ?? durations ?? breakLocations) {
    issues.push({ path: at('vehicle_breaks'), message: 'give vehicle_breaks or the vehicle_break_* lists, not both' });
  }
  const previousOf = new Map<number, number>();
  for (const [i, brk] of breaks.entries()) {
    const path = at('vehicle_breaks', i);
    brk.locations?.forEach((location, j) => issues.push(...checkLocation([...path, 'locations', j], location, locations)));
    if (brk.vehicle_id >= vehicles) {
      issues.push({ path: [...path, 'vehicle_id'], message: noSuch('vehicle', brk.vehicle_id, vehicles) });
      continue;
    }
    if (brk.latest < brk.earliest) {
      issues.push({ path: [...path, 'latest'], message: `is ${brk.latest}, before earliest (${brk.earliest})` });
      continue;
    }
    const message = misfit(brk.vehicle_id, brk.earliest, brk.latest, brk.duration);
    if (message) issues.push({ path, message });
    const previous = previousOf.get(brk.vehicle_id);
    if (previous !== undefined && brk.earliest < breaks[previous]!.latest) {
      issues.push({
        path: [...path, 'earliest'],
        message:
          `is ${brk.earliest}, before the window of vehicle ${brk.vehicle_id}'s previous break (vehicle_breaks[${previous}]) ` +
          `ends at ${breaks[previous]!.latest}; list a vehicle's breaks in time order, without overlap`,
      });
    }
    previousOf.set(brk.vehicle_id, i);
  }
  return issues;
}

function checkPerVehicle(path: Path, list: unknown[] | null | undefined, vehicles: number): Issue[] {
  const present = given(list);
  if (!present || present.length === vehicles) return [];
  return [{ path, message: lengthMessage(present.length, vehicles, 'vehicle', 'fleet_data.vehicle_locations') }];
}

function checkLocation(path: Path, location: number, locations: ReturnType<typeof locationSpace>): Issue[] {
  return locations && location >= locations.count ? [{ path, message: `location ${location} is outside ${locations.name}` }] : [];
}

function checkWindows(path: Path, windows: [number, number][] | undefined): Issue[] {
  const issues: Issue[] = [];
  windows?.forEach(([earliest, latest], i) => {
    if (latest < earliest) issues.push({ path: [...path, i], message: `ends at ${latest}, before it starts at ${earliest}` });
  });
  return issues;
}

function lengthMessage(actual: number, expected: number, what: string, source: string): string {
  return `has ${count(actual, 'entry', 'entries')}; the problem has ${count(expected, what)} (${source})`;
}

function noSuch(what: string, index: number, total: number): string {
  return `${what} ${index} does not exist (${what}s 0..${total - 1})`;
}

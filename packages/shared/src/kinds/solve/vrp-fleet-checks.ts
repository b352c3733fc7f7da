// The fleet's cross-field checks (checkFleet, part of checkVrp in vrp-checks.ts): vehicles' lists one
// entry each, locations and windows in range, and breaks that make sense.
import { given, type VrpShape } from './vrp-shape.js';
import { count, type Issue, type Path } from './vrp-issue.js';
import { travelOf, type locationSpace } from './vrp-travel.js';
import { checkPerVehicle, checkLocation, checkWindows, noSuch } from './vrp-field-checks.js';

export function checkFleet(vrp: VrpShape, locations: ReturnType<typeof locationSpace>): Issue[] {
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


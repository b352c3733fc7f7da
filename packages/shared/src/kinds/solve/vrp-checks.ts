// checkVrp, the VRP's cross-field checks, which VrpInput (vrp.ts) runs as its refinement. It reads the shape
// from vrp-shape.ts, not vrp.ts, so the two files do not import each other; travel data is in vrp-travel.ts,
// the fleet's checks in vrp-fleet-checks.ts.
import { given, type VrpShape } from './vrp-shape.js';
import type { Issue, Path } from './vrp-issue.js';
import { checkTravel, checkVehicleTypes, locationSpace } from './vrp-travel.js';
import { checkLocation, checkWindows, lengthMessage, noSuch } from './vrp-field-checks.js';
import { checkFleet } from './vrp-fleet-checks.js';

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


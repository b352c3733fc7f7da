// The small checks every VRP check uses: a list with one entry per vehicle, a location in range,
// time windows in order, and the words of their messages.
import { given } from './vrp-shape.js';
import { count, type Issue, type Path } from './vrp-issue.js';
import type { locationSpace } from './vrp-travel.js';

export function checkPerVehicle(path: Path, list: unknown[] | null | undefined, vehicles: number): Issue[] {
  const present = given(list);
  if (!present || present.length === vehicles) return [];
  return [{ path, message: lengthMessage(present.length, vehicles, 'vehicle', 'fleet_data.vehicle_locations') }];
}

export function checkLocation(path: Path, location: number, locations: ReturnType<typeof locationSpace>): Issue[] {
  return locations && location >= locations.count ? [{ path, message: `location ${location} is outside ${locations.name}` }] : [];
}

export function checkWindows(path: Path, windows: [number, number][] | undefined): Issue[] {
  const issues: Issue[] = [];
  windows?.forEach(([earliest, latest], i) => {
    if (latest < earliest) issues.push({ path: [...path, i], message: `ends at ${latest}, before it starts at ${earliest}` });
  });
  return issues;
}

export function lengthMessage(actual: number, expected: number, what: string, source: string): string {
  return `has ${count(actual, 'entry', 'entries')}; the problem has ${count(expected, what)} (${source})`;
}

export function noSuch(what: string, index: number, total: number): string {
  return `${what} ${index} does not exist (${what}s 0..${total - 1})`;
}

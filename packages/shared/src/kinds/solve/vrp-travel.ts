// The checks of the travel data (cost and travel time matrices, or waypoint graphs), and what it defines:
// the locations other fields point at, and the vehicle types it prices. checkVrp (vrp-checks.ts) runs them.
import { given, type VrpShape } from './vrp-shape.js';
import { count, type Issue } from './vrp-issue.js';

/** Where travel is priced (or timed), and for which vehicle types: matrices, or else waypoint graphs. */
export function travelOf(vrp: VrpShape, kind: 'cost' | 'travel_time'): { field: string; types: string[] } | undefined {
  const matrices = given(vrp[`${kind}_matrix_data` as const]?.data);
  if (matrices) return { field: `${kind}_matrix_data.data`, types: Object.keys(matrices) };
  const graphs = given(vrp[`${kind}_waypoint_graph_data` as const]?.waypoint_graph);
  if (graphs) return { field: `${kind}_waypoint_graph_data.waypoint_graph`, types: Object.keys(graphs) };
  return undefined;
}

export function checkTravel(vrp: VrpShape): Issue[] {
  const issues: Issue[] = [];
  const hasCostMatrix = given(vrp.cost_matrix_data?.data) !== undefined;
  const hasCostGraph = given(vrp.cost_waypoint_graph_data?.waypoint_graph) !== undefined;
  const hasTimeMatrix = given(vrp.travel_time_matrix_data?.data) !== undefined;
  const hasTimeGraph = given(vrp.travel_time_waypoint_graph_data?.waypoint_graph) !== undefined;
  if (!hasCostMatrix && !hasCostGraph) {
    issues.push({
      path: ['cost_matrix_data'],
      message: 'is required: give cost_matrix_data (or cost_waypoint_graph_data) to price travel',
    });
  }
  if (hasCostMatrix && hasCostGraph) {
    issues.push({ path: ['cost_waypoint_graph_data'], message: 'give cost_matrix_data or cost_waypoint_graph_data, not both' });
  }
  if (hasTimeMatrix && !hasCostMatrix) {
    issues.push({ path: ['travel_time_matrix_data'], message: 'needs cost_matrix_data: travel times come in the same form as costs' });
  }
  if (hasTimeGraph && !hasCostGraph) {
    issues.push({
      path: ['travel_time_waypoint_graph_data'],
      message: 'needs cost_waypoint_graph_data: travel times come in the same form as costs',
    });
  }

  let reference: { size: number; where: string } | undefined;
  for (const field of ['cost_matrix_data', 'travel_time_matrix_data'] as const) {
    for (const [type, matrix] of Object.entries(given(vrp[field]?.data) ?? {})) {
      const path = [field, 'data', type];
      const badRow = matrix.findIndex((row) => row.length !== matrix.length);
      if (matrix.length === 0) {
        issues.push({ path, message: 'is empty: a matrix has one row and one column per location' });
      } else if (badRow >= 0) {
        issues.push({ path, message: `row ${badRow} has ${matrix[badRow]!.length} entries; the matrix has ${matrix.length} rows` });
      } else if (reference && matrix.length !== reference.size) {
        const message = `covers ${matrix.length} locations but ${reference.where} covers ${reference.size}; all matrices must be the same size`;
        issues.push({ path, message });
      } else {
        reference ??= { size: matrix.length, where: `${field}.data.${type}` };
      }
    }
  }
  const costTypes = Object.keys(given(vrp.cost_matrix_data?.data) ?? {});
  for (const type of Object.keys(given(vrp.travel_time_matrix_data?.data) ?? {})) {
    if (hasCostMatrix && !costTypes.includes(type)) {
      issues.push({
        path: ['travel_time_matrix_data', 'data', type],
        message: `vehicle type ${type} has no cost matrix (cost_matrix_data.data has ${costTypes.join(', ')})`,
      });
    }
  }
  for (const field of ['cost_waypoint_graph_data', 'travel_time_waypoint_graph_data'] as const) {
    for (const [type, graph] of Object.entries(given(vrp[field]?.waypoint_graph) ?? {})) {
      if (graph.weights && graph.weights.length !== graph.edges.length) {
        issues.push({
          path: [field, 'waypoint_graph', type, 'weights'],
          message: `has ${count(graph.weights.length, 'entry', 'entries')}; edges has ${graph.edges.length}: one weight per edge`,
        });
      }
    }
  }
  return issues;
}

/** What a location index may point at, once the travel data is known to be consistent. */
export function locationSpace(vrp: VrpShape): { count: number; name: string } | undefined {
  const matrix = Object.values(given(vrp.cost_matrix_data?.data) ?? {})[0];
  if (matrix) return { count: matrix.length, name: `the cost matrix (locations 0..${matrix.length - 1})` };
  const graph = Object.values(given(vrp.cost_waypoint_graph_data?.waypoint_graph) ?? {})[0];
  if (!graph) return undefined;
  const vertices = Math.max(0, graph.offsets.length - 1);
  return { count: vertices, name: `the waypoint graph (vertices 0..${vertices - 1})` };
}

export function checkVehicleTypes(vrp: VrpShape): Issue[] {
  const sources = [travelOf(vrp, 'cost'), travelOf(vrp, 'travel_time')].filter((source) => source !== undefined);
  const vehicleTypes = given(vrp.fleet_data.vehicle_types);
  if (!vehicleTypes) {
    const several = sources.find((source) => source.types.length > 1);
    if (!several) return [];
    const types = several.types.join(', ');
    const message = `is required: ${several.field} has matrices for vehicle types ${types}; say which type each vehicle is`;
    return [{ path: ['fleet_data', 'vehicle_types'], message }];
  }
  const issues: Issue[] = [];
  for (const source of sources) {
    const { field, types: known } = source;
    const reported = new Set<number>();
    vehicleTypes.forEach((type, vehicle) => {
      if (known.includes(String(type)) || reported.has(type)) return;
      reported.add(type);
      issues.push({
        path: ['fleet_data', 'vehicle_types', vehicle],
        message: `vehicle type ${type} has no entry in ${field} (it has ${known.join(', ')})`,
      });
    });
  }
  return issues;
}

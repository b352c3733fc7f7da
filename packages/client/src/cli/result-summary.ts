// A succeeded job's result in a few lines a person reads: a solve's status and objective, a
// fold's confidence and files, an inference's labels. `gpuq result` prints the whole JSON.
import type { JobView } from '@gpuq/shared';
import { formatBytes, formatDuration, formatNumber } from './format.js';

export type SummaryLine = readonly [label: string, value: string];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const numberText = (value: unknown) => (typeof value === 'number' ? formatNumber(value) : undefined);

export function summarizeResult(view: JobView): SummaryLine[] {
  const result = view.result;
  if (!isRecord(result)) return [];
  if (view.kind === 'solve') return summarizeSolve(result);
  if (view.kind === 'fold') return summarizeFold(result);
  return summarizeInference(result);
}

function summarizeSolve(result: Record<string, unknown>): SummaryLine[] {
  const lines: SummaryLine[] = [];
  const responses = Array.isArray(result.solver_response) ? result.solver_response : [result.solver_response];
  responses.forEach((response, i) => {
    if (!isRecord(response)) return;
    const suffix = responses.length > 1 ? ` [${i}]` : '';
    const solution = isRecord(response.solution) ? response.solution : {};
    if ('solution_cost' in response || 'num_vehicles' in response) {
      // A VRP: cuOpt says 0 for feasible, 1 for infeasible.
      lines.push([`solver status${suffix}`, response.status === 0 ? 'feasible' : response.status === 1 ? 'infeasible' : String(response.status)]);
      const cost = numberText(response.solution_cost);
      if (cost) lines.push([`cost${suffix}`, cost]);
      const vehicles = numberText(response.num_vehicles);
      if (vehicles) lines.push([`vehicles${suffix}`, vehicles]);
      return;
    }
    lines.push([`solver status${suffix}`, String(response.status)]);
    const objective = numberText(solution.primal_objective);
    if (objective) lines.push([`objective${suffix}`, objective]);
    const stats = isRecord(solution.milp_statistics) ? solution.milp_statistics : {};
    const gap = numberText(stats.mip_gap);
    if (gap) lines.push([`gap${suffix}`, gap]);
  });
  if (typeof result.total_solve_time === 'number') lines.push(['solve time', formatDuration(result.total_solve_time * 1_000)]);
  return lines;
}

function summarizeFold(result: Record<string, unknown>): SummaryLine[] {
  const lines: SummaryLine[] = [];
  const tokens = numberText(result.tokens);
  if (tokens) lines.push(['tokens', tokens]);
  const confidence = isRecord(result.confidence) ? result.confidence : {};
  for (const key of ['confidence_score', 'ptm', 'iptm', 'complex_plddt']) {
    const value = numberText(confidence[key]);
    if (value) lines.push([key, value]);
  }
  const affinity = isRecord(result.affinity) ? result.affinity : {};
  for (const key of ['affinity_pred_value', 'affinity_probability_binary']) {
    const value = numberText(affinity[key]);
    if (value) lines.push([key, value]);
  }
  for (const artifact of artifactsOf(result)) lines.push(['artifact', `${artifact.name}${artifact.bytes === undefined ? '' : ` (${formatBytes(artifact.bytes)})`}`]);
  return lines;
}

function summarizeInference(result: Record<string, unknown>): SummaryLine[] {
  const summary = isRecord(result.summary) ? result.summary : undefined;
  if (!summary) return [];
  const lines: SummaryLine[] = [];
  if (isRecord(summary.labels)) lines.push(['labels', Object.entries(summary.labels).map(([label, n]) => `${label} ${String(n)}`).join(', ')]);
  if (isRecord(summary.majority)) {
    const share = `${formatNumber(Number(summary.majority.share) * 100)}%`;
    const tied = Array.isArray(summary.majority.tiedWith) ? summary.majority.tiedWith.map(String) : [];
    lines.push(tied.length > 0 ? ['majority', `none: a tie of ${[String(summary.majority.label), ...tied].join(', ')} (${share} each)`] : ['majority', `${String(summary.majority.label)} (${share})`]);
  }
  if (isRecord(summary.confidence)) {
    const mean = numberText(summary.confidence.mean);
    if (mean) lines.push(['mean confidence', mean]);
  }
  return lines;
}

export interface ArtifactRef {
  name: string;
  bytes: number | undefined;
}

/** The files a result lists (`artifacts: [{name, bytes}]`), as the API serves them. */
export function artifactsOf(result: unknown): ArtifactRef[] {
  if (!isRecord(result) || !Array.isArray(result.artifacts)) return [];
  return result.artifacts.flatMap((entry): ArtifactRef[] => {
    if (!isRecord(entry) || typeof entry.name !== 'string') return [];
    return [{ name: entry.name, bytes: typeof entry.bytes === 'number' ? entry.bytes : undefined }];
  });
}

/** Summary lines, aligned: `objective  -0.36`. */
export function formatSummary(lines: readonly SummaryLine[]): string {
  const width = Math.max(0, ...lines.map(([label]) => label.length));
  return lines.map(([label, value]) => `${label.padEnd(width)}  ${value}\n`).join('');
}

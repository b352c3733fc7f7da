// A V8 .cpuprofile (what `node --cpu-prof` writes) summarised: self time by function and by area
// of gpuq (placement core, job handling, Redis client, BullMQ, zod, GC, idle…), and per job. gpuq's
// own frames are mapped back to their TypeScript lines through the build's source maps.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SourceMap, type SourceMapPayload, type SourceMapping } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The parts of the .cpuprofile format (Chrome DevTools protocol, Profiler.Profile) read here. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame; children?: number[] }>;
  startTime: number;
  endTime: number;
  samples: number[];
  /** Microseconds from the previous sample (the first from startTime). */
  timeDeltas: number[];
}

interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based, in the file that ran (dist). */
  lineNumber: number;
  columnNumber: number;
}

export const AREAS = [
  'placement core',
  'job handling',
  'scheduler, other',
  'gpuq shared/runtime',
  'ioredis',
  'BullMQ',
  'zod',
  'JSON',
  'logging (pino)',
  'metrics (prom-client)',
  'Node core',
  'V8 builtins/other',
  'GC',
  'V8 (program)',
  'bench harness',
  'idle',
] as const;
export type Area = (typeof AREAS)[number];

const LIBRARY_AREAS: Array<[RegExp, Area]> = [
  [/\/apps\/scheduler\/(dist|src)\/core\//, 'placement core'],
  [/\/apps\/scheduler\/(dist|src)\/(jobs|queue)\//, 'job handling'],
  [/\/apps\/scheduler\//, 'scheduler, other'],
  [/\/packages\/(shared|runtime)\//, 'gpuq shared/runtime'],
  [/\/node_modules\/(ioredis|@ioredis|redis-parser|redis-errors|denque|standard-as-callback|cluster-key-slot)\//, 'ioredis'],
  [/\/node_modules\/(bullmq|msgpackr|cron-parser|uuid)\//, 'BullMQ'],
  [/\/node_modules\/zod\//, 'zod'],
  [/\/node_modules\/(prom-client|tdigest|bintrees)\//, 'metrics (prom-client)'],
  [/\/node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|quick-format-unescaped)\//, 'logging (pino)'],
  [/\/bench\/(dist|src)\//, 'bench harness'],
];

/** A frame's own area; V8's native functions (no url) have none, and take their caller's. */
export function areaOf(frame: CallFrame): Area | undefined {
  switch (frame.functionName) {
    case '(idle)':
    case '(root)':
      return 'idle';
    case '(garbage collector)':
      return 'GC';
    case '(program)':
      return 'V8 (program)';
  }
  if (frame.url === '' && /^(parse|stringify|JSONParse|JSONStringify)$/.test(frame.functionName)) return 'JSON';
  if (frame.url.startsWith('node:')) return 'Node core';
  for (const [pattern, area] of LIBRARY_AREAS) if (pattern.test(frame.url)) return area;
  return frame.url === '' ? undefined : 'V8 builtins/other';
}

/** Where no gpuq function is on the stack: reply parsing, socket reads, timers and promise callbacks run from the event loop. */
const NO_GPUQ_FRAME: CallFrame = { functionName: '(event loop: no gpuq frame on the stack)', url: '', lineNumber: -1, columnNumber: -1 };

/** gpuq's own code (not the bench's): the frames time is attributed to. */
const isGpuqFrame = (frame: CallFrame) => /\/(apps|packages)\/[^/]+\/(dist|src)\//.test(frame.url) && !frame.url.includes('/node_modules/');

export interface FunctionTime {
  name: string;
  /** file:line, in TypeScript where a source map says. */
  where: string;
  area: Area;
  us: number;
  usPerJob: number;
}

export interface AreaTime {
  area: Area;
  us: number;
  usPerJob: number;
  /** Of the non-idle time. */
  share: number;
}

export interface ProfileSummary {
  /** The profile's span, start-up to exit. */
  wallUs: number;
  /** Every sample but idle. */
  cpuUs: number;
  jobs: number;
  cpuUsPerJob: number;
  byArea: AreaTime[];
  /** Self time, highest first. */
  byFunction: FunctionTime[];
  /** Each non-idle sample's time charged to the innermost gpuq function on its stack: which of gpuq's lines the library time is spent for. */
  byGpuqCaller: FunctionTime[];
}

export function readProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function summariseProfile(profile: CpuProfile, jobs: number): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const locate = sourceLocator();

  // A sample lasts until the next one (as DevTools counts it); the last one gets the mean interval.
  const selfUs = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  const meanUs = (profile.endTime - profile.startTime) / Math.max(1, samples.length);
  for (let i = 0; i < samples.length; i++) {
    const us = i + 1 < timeDeltas.length ? timeDeltas[i + 1]! : meanUs;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + us);
  }

  const areaUs = new Map<Area, number>();
  const functionUs = new Map<string, { frame: CallFrame; us: number }>();
  const callerUs = new Map<string, { frame: CallFrame; us: number }>();
  const keyOf = (frame: CallFrame) => `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
  const add = (map: Map<string, { frame: CallFrame; us: number }>, frame: CallFrame, us: number) => {
    const entry = map.get(keyOf(frame)) ?? { frame, us: 0 };
    entry.us += us;
    map.set(keyOf(frame), entry);
  };
  const nodeArea = (id: number): Area => {
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const area = areaOf(nodes.get(at)!.callFrame);
      if (area !== undefined) return area;
    }
    return 'V8 builtins/other';
  };
  const areaOfFunction = new Map<string, Area>();
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id)!.callFrame;
    const area = nodeArea(id);
    // A native function's samples go to its callers' areas; the function is listed under the area most of its time went to.
    if (!areaOfFunction.has(keyOf(frame)) || area === areaOf(frame)) areaOfFunction.set(keyOf(frame), area);
    areaUs.set(area, (areaUs.get(area) ?? 0) + us);
    if (area === 'idle') continue;
    add(functionUs, frame, us);
    let callerId: number | undefined = id;
    while (callerId !== undefined && !isGpuqFrame(nodes.get(callerId)!.callFrame)) callerId = parents.get(callerId);
    add(callerUs, callerId === undefined ? NO_GPUQ_FRAME : nodes.get(callerId)!.callFrame, us);
  }

  const cpuUs = [...areaUs].filter(([area]) => area !== 'idle').reduce((sum, [, us]) => sum + us, 0);
  const perJob = (us: number) => (jobs > 0 ? round1(us / jobs) : 0);
  const functions = (map: Map<string, { frame: CallFrame; us: number }>) =>
    [...map.values()]
      .sort((a, b) => b.us - a.us)
      .map(({ frame, us }) => ({ name: frame.functionName || '(anonymous)', where: locate(frame), area: areaOfFunction.get(keyOf(frame)) ?? areaOf(frame) ?? 'V8 builtins/other', us: Math.round(us), usPerJob: perJob(us) }));
  return {
    wallUs: profile.endTime - profile.startTime,
    cpuUs: Math.round(cpuUs),
    jobs,
    cpuUsPerJob: perJob(cpuUs),
    byArea: AREAS.filter((area) => areaUs.has(area))
      .map((area) => ({ area, us: Math.round(areaUs.get(area)!), usPerJob: perJob(areaUs.get(area)!), share: area === 'idle' || cpuUs === 0 ? 0 : round1((100 * areaUs.get(area)!) / cpuUs) / 100 }))
      .sort((a, b) => (a.area === 'idle' ? 1 : b.area === 'idle' ? -1 : b.us - a.us)),
    byFunction: functions(functionUs),
    byGpuqCaller: functions(callerUs),
  };
}

const isMapping = (entry: object): entry is SourceMapping => 'originalSource' in entry;

/** file:line of a frame, relative to the repository, through the file's source map where there is one. */
function sourceLocator(): (frame: CallFrame) => string {
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (path: string) => {
    if (!maps.has(path)) {
      const mapPath = `${path}.map`;
      maps.set(path, existsSync(mapPath) ? new SourceMap(JSON.parse(readFileSync(mapPath, 'utf8')) as SourceMapPayload) : undefined);
    }
    return maps.get(path);
  };
  return (frame) => {
    if (!frame.url.startsWith('file://')) return frame.url === '' ? '(native)' : `${frame.url}:${frame.lineNumber + 1}`;
    const path = fileURLToPath(frame.url);
    const short = (file: string) => file.replace(/^.*?\/(apps|packages|bench|node_modules)\//, '$1/');
    const entry: SourceMapping | object | undefined = path.includes('/node_modules/') ? undefined : mapOf(path)?.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry !== undefined && isMapping(entry)) return `${short(fileURLToPath(new URL(entry.originalSource, frame.url)))}:${entry.originalLine + 1}`;
    return `${short(path)}:${frame.lineNumber + 1}`;
  };
}

/** A process's main-thread profile in `dir` (Node names it CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile), summarised per unit of work. */
export function mainThreadProfile(dir: string, pid: number, units: number, what: string): { path: string; cpuUsPerJob: number; byArea: AreaTime[] } {
  const name = readdirSync(dir).find((file) => file.endsWith('.cpuprofile') && file.split('.')[3] === String(pid) && file.split('.')[4] === '0');
  if (name === undefined) throw new Error(`${what} (pid ${pid}) wrote no .cpuprofile into ${dir}`);
  const path = join(dir, name);
  const summary = summariseProfile(readProfile(path), units);
  return { path, cpuUsPerJob: summary.cpuUsPerJob, byArea: summary.byArea };
}

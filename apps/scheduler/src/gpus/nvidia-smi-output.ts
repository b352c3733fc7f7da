// nvidia-smi's CSV answers as gpuq reads them (docs/contracts/nvidia-smi.md): the GPUs with their
// memory, health counters and PCI address, the processes on them, pending row remappings, and the
// line nvidia-smi prints instead of a GPU it cannot read.

/** The `--query-gpu` fields, in the order asked; every one is in `--help-query-gpu` of R450 and later. */
export const QUERY_GPU_FIELDS = [
  'index',
  'uuid',
  'name',
  'memory.total',
  'memory.used',
  'memory.free',
  'utilization.gpu',
  'temperature.gpu',
  'pci.bus_id',
  'mig.mode.current',
  'ecc.errors.uncorrected.volatile.total',
  'retired_pages.pending',
] as const;

/** `--query-remapped-rows` (Ampere and later; its own query, not a `--query-gpu` field). */
export const QUERY_REMAPPED_ROWS_FIELDS = ['gpu_uuid', 'remapped_rows.pending', 'remapped_rows.failure'] as const;

/** One line of `--query-gpu=<QUERY_GPU_FIELDS> --format=csv,noheader,nounits`. */
export interface GpuReading {
  index: string;
  uuid: string;
  name: string;
  totalMb: number;
  usedMb: number;
  utilizationPercent: number | null;
  temperatureC: number | null;
  /** The PCI address, normalised (`0000:34:00.0`), to match the line nvidia-smi prints for a GPU it lost. */
  busId: string | null;
  isMigEnabled: boolean;
  /** Uncorrectable ECC errors since the driver loaded; null where the GPU has no ECC, or it is off. */
  eccUncorrectedVolatile: number | null;
  /** Pages waiting for a reboot to be retired; null where the GPU does not retire pages (Ampere and later remap rows). */
  isRetiredPagesPending: boolean | null;
  /** The NVML error nvidia-smi printed in place of a value: `[GPU requires reset]`, `[Unknown Error]`. */
  fault?: string;
}

/** The line nvidia-smi prints for a GPU it cannot open, and goes on with the others. */
export interface UnreadableGpu {
  busId: string | null;
  /** What the driver says: `Unknown Error`, `GPU is lost. Reboot the system to recover this GPU`. */
  message: string;
}

/** What nvidia-smi printed: the lines it answered, the GPUs it could not read, and anything else. */
export interface Listing<T> {
  rows: T[];
  unreadable: UnreadableGpu[];
  /** Lines that are neither: a message from nvidia-smi itself ("NVIDIA-SMI has failed …"). */
  otherLines: string[];
}

/**
 * A field as NVML left it. nvidia-smi prints NVML's error string in brackets where a read failed:
 * `[Not Supported]`, `[Insufficient Permissions]` and `[N/A]` say the GPU does not have the value;
 * any other (`[GPU requires reset]`, `[Unknown Error]`, `[GPU is lost]`) says the GPU is broken.
 */
type Field = { kind: 'value'; text: string } | { kind: 'absent' } | { kind: 'fault'; text: string };

const ABSENT = /^\[?(?:N\/A|Not Supported|Insufficient Permissions)\]?$/i;

function field(raw: string | undefined): Field {
  const text = (raw ?? '').trim();
  if (text === '' || ABSENT.test(text)) return { kind: 'absent' };
  if (/^\[.*\]$/.test(text)) return { kind: 'fault', text };
  return { kind: 'value', text };
}

function numberOf(f: Field): number | null {
  if (f.kind !== 'value') return null;
  const value = Number(f.text);
  return Number.isFinite(value) ? value : null;
}

/** `Yes`/`No` (and 1/0, which some fields print); null when absent. */
function yesNoOf(f: Field): boolean | null {
  if (f.kind !== 'value') return null;
  if (/^(yes|1|enabled)$/i.test(f.text)) return true;
  if (/^(no|0|disabled)$/i.test(f.text)) return false;
  return null;
}

const BUS_ID = /([0-9a-f]{4,8}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])/i;

/** `00000000:34:00.0` (`--query-gpu`) and `0000:34:00.0` (error lines) both become `0000:34:00.0`. */
export function normalizeBusId(text: string): string | null {
  const m = BUS_ID.exec(text);
  if (!m) return null;
  const domain = Number.parseInt(m[1]!, 16).toString(16).padStart(4, '0');
  return `${domain}:${m[2]}:${m[3]}.${m[4]}`.toLowerCase();
}

/**
 * `Unable to determine the device handle for GPU 0000:0B:00.0: Unknown Error`, or in newer drivers
 * `… for GPU1: 0000:34:00.0: GPU is lost. Reboot the system to recover this GPU`.
 */
function unreadableGpu(line: string): UnreadableGpu | undefined {
  if (!/^Unable to determine the device handle for/i.test(line)) return undefined;
  const bus = BUS_ID.exec(line);
  const message = bus ? line.slice(bus.index + bus[0].length).replace(/^[:\s]+/, '') : line.replace(/^.*?:\s*/, '');
  return { busId: bus ? normalizeBusId(bus[0]) : null, message: message || line };
}

/** Splits nvidia-smi's output into CSV rows (parsed by `row`), lost-GPU lines and other lines. */
function listing<T>(text: string, isRow: (fields: string[]) => boolean, row: (fields: string[], line: string) => T): Listing<T> {
  const result: Listing<T> = { rows: [], unreadable: [], otherLines: [] };
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '') continue;
    const lost = unreadableGpu(line);
    if (lost) {
      result.unreadable.push(lost);
      continue;
    }
    const fields = line.split(',').map((f) => f.trim());
    if (isRow(fields)) result.rows.push(row(fields, line));
    else result.otherLines.push(line);
  }
  return result;
}

function gpuReading(fields: string[], line: string): GpuReading {
  const byName = Object.fromEntries(QUERY_GPU_FIELDS.map((name, i) => [name, field(fields[i])])) as Record<(typeof QUERY_GPU_FIELDS)[number], Field>;
  const [index, uuid, name] = fields;
  if (fields.length < 5) throw new Error(`nvidia-smi line is not ${QUERY_GPU_FIELDS.slice(0, 5).join(',')},...: "${line}"`);
  const fault = Object.values(byName).find((f): f is Extract<Field, { kind: 'fault' }> => f.kind === 'fault')?.text;
  const busField = byName['pci.bus_id'];
  return {
    index: index!,
    uuid: uuid!,
    name: name ?? '',
    totalMb: numberOf(byName['memory.total']) ?? 0,
    usedMb: numberOf(byName['memory.used']) ?? 0,
    utilizationPercent: numberOf(byName['utilization.gpu']),
    temperatureC: numberOf(byName['temperature.gpu']),
    busId: busField.kind === 'value' ? normalizeBusId(busField.text) : null,
    isMigEnabled: yesNoOf(byName['mig.mode.current']) === true,
    eccUncorrectedVolatile: numberOf(byName['ecc.errors.uncorrected.volatile.total']),
    isRetiredPagesPending: yesNoOf(byName['retired_pages.pending']),
    ...(fault ? { fault } : {}),
  };
}

/** A `--query-gpu` line starts with the GPU's index and its UUID. */
const isGpuLine = (fields: string[]) => /^\d+$/.test(fields[0] ?? '') && fields.length > 1;

export function parseGpuListing(text: string): Listing<GpuReading> {
  return listing(text, isGpuLine, gpuReading);
}

/** The GPU lines only; throws on a line it cannot read. */
export function parseQueryGpu(csv: string): GpuReading[] {
  const { rows, otherLines } = parseGpuListing(csv);
  if (otherLines.length > 0) throw new Error(`nvidia-smi line is not ${QUERY_GPU_FIELDS.slice(0, 5).join(',')},...: "${otherLines[0]}"`);
  return rows;
}

export interface ComputeApp {
  gpuUuid: string;
  pid: number;
  usedMb: number;
}

/** `--query-compute-apps=gpu_uuid,pid,used_memory --format=csv,noheader,nounits`; `[N/A]` memory reads as 0. */
export function parseComputeAppsListing(csv: string): Listing<ComputeApp> {
  return listing(
    csv,
    (fields) => /^(GPU|MIG)-/.test(fields[0] ?? '') && /^\d+$/.test(fields[1] ?? ''),
    ([gpuUuid, pid, used]) => ({ gpuUuid: gpuUuid!, pid: Number(pid), usedMb: numberOf(field(used)) ?? 0 }),
  );
}

export function parseComputeApps(csv: string): ComputeApp[] {
  return parseComputeAppsListing(csv).rows;
}

export interface RemappedRows {
  /** Rows wait for a GPU reset to be remapped; null where the GPU has no row remapper (before Ampere, or MIG with instances). */
  isPending: boolean | null;
  /** A remapping failed: NVIDIA's memory error guide calls for the GPU's replacement. */
  hasFailed: boolean | null;
}

/** `--query-remapped-rows=<QUERY_REMAPPED_ROWS_FIELDS> --format=csv,noheader,nounits`: `GPU-…, No, No`. */
export function parseRemappedRowsListing(csv: string): Listing<{ gpuUuid: string } & RemappedRows> {
  return listing(
    csv,
    (fields) => /^GPU-/.test(fields[0] ?? '') && fields.length >= 3,
    ([gpuUuid, pending, failure]) => ({ gpuUuid: gpuUuid!, isPending: yesNoOf(field(pending)), hasFailed: yesNoOf(field(failure)) }),
  );
}

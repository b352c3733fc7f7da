// nvidia-smi's output as gpuq reads it (docs/contracts/nvidia-smi.md): the GPUs, their memory
// in use, the processes on them, and MIG instances, which count as GPUs of their own.
import type { GpuSpec } from '../core/gpu-spec.js';

/** One line of `--query-gpu=index,uuid,name,memory.total,memory.used,memory.free,utilization.gpu,temperature.gpu`. */
export interface GpuReading {
  index: string;
  uuid: string;
  name: string;
  totalMb: number;
  usedMb: number;
  utilizationPercent: number | null;
  temperatureC: number | null;
  /** Set when the driver reports the GPU broken: `[GPU requires reset]`, `[Unknown Error]`. */
  fault?: string;
}

/** nvidia-smi writes `[N/A]` for a value it does not have, and other bracketed words for faults. */
function numberOrFault(field: string | undefined): { value: number | null; fault?: string } {
  const text = (field ?? '').trim();
  if (text === '' || text === '[N/A]' || text === 'N/A') return { value: null };
  const value = Number(text);
  if (Number.isFinite(value)) return { value };
  return { value: null, fault: text };
}

export function parseQueryGpu(csv: string): GpuReading[] {
  return csv
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line, lineNo) => {
      const fields = line.split(',').map((f) => f.trim());
      const [index, uuid, name] = fields;
      if (fields.length < 5 || !index || !uuid) {
        throw new Error(`nvidia-smi line ${lineNo + 1} is not index,uuid,name,memory.total,memory.used,...: "${line}"`);
      }
      const total = numberOrFault(fields[3]);
      const used = numberOrFault(fields[4]);
      const fault = total.fault ?? used.fault ?? (total.value === null ? 'memory.total is not reported' : undefined);
      return {
        index,
        uuid,
        name: name ?? '',
        totalMb: total.value ?? 0,
        usedMb: used.value ?? 0,
        utilizationPercent: numberOrFault(fields[6]).value,
        temperatureC: numberOrFault(fields[7]).value,
        ...(fault ? { fault } : {}),
      };
    });
}

export interface ComputeApp {
  gpuUuid: string;
  pid: number;
  usedMb: number;
}

/** `--query-compute-apps=gpu_uuid,pid,used_memory --format=csv,noheader,nounits`. */
export function parseComputeApps(csv: string): ComputeApp[] {
  const apps: ComputeApp[] = [];
  for (const line of csv.split('\n')) {
    const [gpuUuid, pid, used] = line.split(',').map((f) => f.trim());
    if (!gpuUuid || !pid || !/^\d+$/.test(pid)) continue;
    apps.push({ gpuUuid, pid: Number(pid), usedMb: numberOrFault(used).value ?? 0 });
  }
  return apps;
}

export interface MigDevice {
  parentIndex: string;
  migIndex: string;
  uuid: string;
  profile: string;
  /** From the profile name (`3g.40gb`), rounded down to MiB: the instance's memory, never more. */
  totalMb: number;
}

/**
 * MIG instances from `nvidia-smi -L`:
 * `  MIG 3g.40gb     Device  0: (UUID: MIG-…)` under its `GPU 0: … (UUID: GPU-…)` line.
 */
export function parseMigList(text: string): MigDevice[] {
  const devices: MigDevice[] = [];
  let parent: string | undefined;
  for (const line of text.split('\n')) {
    const gpu = /^GPU (\d+):/.exec(line.trim());
    if (gpu) {
      parent = gpu[1];
      continue;
    }
    const mig = /^MIG\s+(\S+)\s+Device\s+(\d+):\s+\(UUID:\s*(MIG-[^)\s]+)\)/.exec(line.trim());
    if (!mig || parent === undefined) continue;
    const gb = /\.(\d+)gb$/i.exec(mig[1]!);
    devices.push({
      parentIndex: parent,
      migIndex: mig[2]!,
      uuid: mig[3]!,
      profile: mig[1]!,
      totalMb: gb ? Math.floor((Number(gb[1]) * 1e9) / 2 ** 20) : 0,
    });
  }
  return devices;
}

/** The GPUs to schedule on: each MIG instance replaces its parent GPU. */
export function gpusFromReadings(readings: readonly GpuReading[], migs: readonly MigDevice[]): GpuSpec[] {
  const gpus: GpuSpec[] = [];
  for (const reading of readings) {
    const instances = migs.filter((m) => m.parentIndex === reading.index);
    if (instances.length === 0) {
      gpus.push({ id: `gpu${reading.index}`, uuid: reading.uuid, name: reading.name, totalMb: reading.totalMb, isSimulated: false });
      continue;
    }
    for (const mig of instances) {
      gpus.push({
        id: `gpu${reading.index}-mig${mig.migIndex}`,
        uuid: mig.uuid,
        name: `${reading.name} MIG ${mig.profile}`,
        totalMb: mig.totalMb,
        isSimulated: false,
      });
    }
  }
  return gpus;
}

// MIG devices as gpuq schedules them (docs/contracts/nvidia-smi.md, "MIG"): listed by
// `nvidia-smi -L`, sized by the memory `nvidia-smi -q -x` reports for each, and each counted as a
// GPU of its own in place of its parent.
import type { GpuSpec } from '../core/gpu-spec.js';
import type { GpuReading } from './nvidia-smi-output.js';

/**
 * A profile name: `[<c>c.]<g>g.<m>gb[<variant>]`. `c` compute slices of a GPU instance of `g`
 * slices and `m` GB; the variant is `+me`, `-me`, `+gfx`, `+me.all` (MIG user guide, "Supported
 * MIG Profiles").
 */
export interface MigProfile {
  /** Set when the GPU instance is split into compute instances, which share its memory. */
  computeSlices?: number;
  gpuSlices: number;
  memoryGb: number;
  variant: string;
}

export function parseMigProfile(name: string): MigProfile | undefined {
  const m = /^(?:(\d+)c\.)?(\d+)g\.(\d+)gb((?:[+-][a-z0-9]+(?:\.[a-z0-9]+)*)*)$/i.exec(name.trim());
  if (!m) return undefined;
  return { ...(m[1] ? { computeSlices: Number(m[1]) } : {}), gpuSlices: Number(m[2]), memoryGb: Number(m[3]), variant: m[4] ?? '' };
}

/** A MIG device in `nvidia-smi -L`: `  MIG 1g.10gb+me   Device  0: (UUID: MIG-…)` under its GPU's line. */
export interface ListedMig {
  parentIndex: string;
  parentUuid: string;
  /** The MIG device index: `Device <n>` here, `<index>` in `-q -x`. */
  migIndex: string;
  uuid: string;
  profile: string;
}

export function parseMigList(text: string): ListedMig[] {
  const devices: ListedMig[] = [];
  let parent: { index: string; uuid: string } | undefined;
  for (const line of text.split('\n').map((l) => l.trim())) {
    const gpu = /^GPU (\d+):.*\(UUID:\s*(GPU-[^)\s]+)\)/.exec(line);
    if (gpu) {
      parent = { index: gpu[1]!, uuid: gpu[2]! };
      continue;
    }
    // The profile is padded to a column; a long one (`1g.24gb+me.all`) may run into `Device`.
    const mig = /^MIG\s+(\S+?)\s*Device\s+(\d+):\s*\(UUID:\s*(MIG-[^)\s]+)\)/.exec(line);
    if (!mig || !parent) continue;
    devices.push({ parentIndex: parent.index, parentUuid: parent.uuid, migIndex: mig[2]!, uuid: mig[3]!, profile: mig[1]! });
  }
  return devices;
}

/** What `nvidia-smi -q -x` says of one MIG device: its instances, and its GPU instance's memory. */
export interface MigMemory {
  gpuInstanceId: number | null;
  computeInstanceId: number | null;
  totalMb: number;
}

const tag = (xml: string, name: string) => new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(xml)?.[1];
const intOf = (text: string | undefined) => (text !== undefined && /^\d+$/.test(text) ? Number(text) : null);

/**
 * MIG memory from `nvidia-smi -q -x`, keyed `<GPU uuid>/<MIG device index>`. Its DTD is fixed
 * (nvsmi_device_v12.dtd): `<gpu id=…>` holds `<uuid>` and `<mig_devices>`, each `<mig_device>` its
 * `<index>`, `<gpu_instance_id>`, `<compute_instance_id>` and `<fb_memory_usage><total>N MiB`. Five
 * fields of a generated document do not earn an XML dependency; anything else in it is skipped.
 */
export function parseMigMemory(xml: string): Map<string, MigMemory> {
  const memory = new Map<string, MigMemory>();
  for (const block of xml.split(/<gpu\s+id=/).slice(1)) {
    const end = block.indexOf('</gpu>');
    const gpu = end < 0 ? block : block.slice(0, end);
    const uuid = /<uuid>\s*(GPU-[^<\s]+)\s*<\/uuid>/.exec(gpu)?.[1];
    const devices = /<mig_devices>([\s\S]*?)<\/mig_devices>/.exec(gpu)?.[1];
    if (!uuid || !devices) continue;
    for (const [, device] of devices.matchAll(/<mig_device>([\s\S]*?)<\/mig_device>/g)) {
      const index = intOf(tag(device!, 'index'));
      const fb = /<fb_memory_usage>([\s\S]*?)<\/fb_memory_usage>/.exec(device!)?.[1];
      const total = fb ? /^(\d+)\s*MiB$/.exec(tag(fb, 'total') ?? '')?.[1] : undefined;
      if (index === null || total === undefined) continue;
      memory.set(`${uuid}/${index}`, {
        gpuInstanceId: intOf(tag(device!, 'gpu_instance_id')),
        computeInstanceId: intOf(tag(device!, 'compute_instance_id')),
        totalMb: Number(total),
      });
    }
  }
  return memory;
}

/**
 * A profile name's memory is a label, not a size: an H100 NVL `1g.12gb` has 10880 MiB, below the
 * name's 11444 MiB, while a `3g.40gb` has 40448, above its 38146. When nvidia-smi -q cannot say,
 * gpuq takes 90% of the name, under every size measured (the lowest was 95%).
 */
export const NAME_SIZE_FRACTION = 0.9;

export interface MigDevice extends ListedMig {
  /** The memory gpuq schedules on this device (see sizeMigDevices); undefined when nothing says. */
  totalMb: number | undefined;
  memorySource: 'nvidia-smi -q' | 'profile name' | 'none';
}

/**
 * The MIG memory rule. A device of a whole GPU instance (`3g.40gb`, `1g.10gb+me`) gets the memory
 * the driver reports for it. Compute instances of one GPU instance (`1c.3g.40gb`, `2c.3g.40gb`)
 * share its memory, and the driver reports the whole instance's for each; gpuq gives each the
 * share of its compute slices, c/g of it, so the devices of one instance never add up to more
 * than it has, whichever of them exist, and no device's size changes when another is created.
 */
export function sizeMigDevices(listed: readonly ListedMig[], memory: ReadonlyMap<string, MigMemory>): MigDevice[] {
  return listed.map((device) => {
    const profile = parseMigProfile(device.profile);
    const share = profile?.computeSlices !== undefined ? profile.computeSlices / profile.gpuSlices : 1;
    const reported = memory.get(`${device.parentUuid}/${device.migIndex}`);
    if (reported) return { ...device, totalMb: Math.floor(reported.totalMb * share), memorySource: 'nvidia-smi -q' };
    if (profile) {
      const fromName = Math.floor(((profile.memoryGb * 1e9) / 2 ** 20) * NAME_SIZE_FRACTION * share);
      return { ...device, totalMb: fromName, memorySource: 'profile name' };
    }
    return { ...device, totalMb: undefined, memorySource: 'none' };
  });
}

/** The GPUs to schedule on: each MIG device replaces its parent GPU; a device of unknown size is left out. */
export function gpusFromReadings(readings: readonly GpuReading[], migs: readonly MigDevice[]): GpuSpec[] {
  const gpus: GpuSpec[] = [];
  for (const reading of readings) {
    const instances = migs.filter((m) => m.parentUuid === reading.uuid);
    if (instances.length === 0) {
      gpus.push({ id: `gpu${reading.index}`, uuid: reading.uuid, name: reading.name, totalMb: reading.totalMb, isSimulated: false });
      continue;
    }
    for (const mig of instances) {
      if (mig.totalMb === undefined || mig.totalMb <= 0) continue;
      gpus.push({ id: `gpu${reading.index}-mig${mig.migIndex}`, uuid: mig.uuid, name: `${reading.name} MIG ${mig.profile}`, totalMb: mig.totalMb, isSimulated: false });
    }
  }
  return gpus;
}

#!/usr/bin/env node
// A stand-in for nvidia-smi on machines without a GPU. It prints what the real one prints for the
// queries gpuq makes (docs/contracts/nvidia-smi.md), the fields in the order asked, from a JSON
// state file a test writes:
//   FAKE_NVIDIA_SMI_STATE=/path/state.json
//   { "gpus": [{ "index": 0, "uuid": "GPU-…", "name": "…", "totalMb": 24576, "usedMb": 0,
//                "utilization": 0, "temperature": 30, "busId": "00000000:34:00.0"?,
//                "fault": "[GPU requires reset]"?,             every reading of it prints this
//                "lost": "GPU is lost. Reboot the system to recover this GPU"?,
//                                                              a line instead of the GPU, exit 15
//                "eccUncorrected": 3?, "retiredPagesPending": "Yes"?, (absent: [N/A])
//                "remappedRowsPending": "Yes"?, "remappedRowsFailure": "No"?, (absent: [N/A])
//                "migs": [{ "index": 0, "profile": "1g.10gb+me", "uuid": "MIG-…", "gi": 9,
//                           "ci": 0, "totalMb": 9984 }]? }],    (MIG mode is on when present)
//     "apps": [{ "gpuUuid": "GPU-…", "pid": 123, "usedMb": 512 }],
//     "appsDir": "/path"?, "fail": "message"?, "failCode": 9?, "hang": true? }
// Processes may also announce themselves: a file in appsDir named by pid, holding "uuid,usedMb"
// (test/fakes/gpu-job.mjs does). Their memory counts in their GPU's memory.used.
// A process whose pid no longer exists is left out, as the driver would.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const state = JSON.parse(readFileSync(process.env.FAKE_NVIDIA_SMI_STATE, 'utf8'));
const args = process.argv.slice(2);
if (state.hang) setInterval(() => undefined, 60_000);
else run();

function run() {
  if (state.fail) {
    // The driver's own words, e.g. "NVIDIA-SMI has failed because it couldn't communicate with the
    // NVIDIA driver. …"; exit 9 is NVML_ERROR_DRIVER_NOT_LOADED.
    process.stdout.write(`${state.fail}\n`);
    process.exit(state.failCode ?? 9);
  }
  const isAlive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const announced = state.appsDir
    ? readdirSync(state.appsDir).flatMap((name) => {
        const [gpuUuid, usedMb] = readFileSync(join(state.appsDir, name), 'utf8').trim().split(',');
        return [{ gpuUuid, pid: Number(name), usedMb: Number(usedMb) }];
      })
    : [];
  const apps = [...(state.apps ?? []), ...announced].filter((a) => isAlive(a.pid));
  const gpus = state.gpus ?? [];
  const busId = (g) => g.busId ?? `00000000:${(0x18 + g.index * 0x10).toString(16).toUpperCase().padStart(2, '0')}:00.0`;
  const lines = [];
  let lostAny = false;
  // Printed in place of a GPU nvidia-smi cannot open (its form in driver 5xx and later).
  const lostLine = (g) => {
    lostAny = true;
    process.stderr.write(`Unable to determine the device handle for GPU${g.index}: ${busId(g).replace(/^0000/, '')}: ${g.lost}\n`);
  };
  const na = (value) => (value === undefined || value === null ? '[N/A]' : value);

  const query = args.find((a) => a.startsWith('--query-'));
  const fields = query ? query.slice(query.indexOf('=') + 1).split(',') : [];
  if (query?.startsWith('--query-gpu=')) {
    const value = {
      index: (g) => g.index,
      uuid: (g) => g.uuid,
      name: (g) => g.name,
      'memory.total': (g) => g.totalMb,
      'memory.used': (g, used) => used,
      'memory.free': (g, used) => g.totalMb - used,
      'utilization.gpu': (g) => (g.migs ? '[N/A]' : (g.utilization ?? 0)),
      'temperature.gpu': (g) => g.temperature ?? 30,
      'pci.bus_id': (g) => busId(g),
      'mig.mode.current': (g) => (g.migs ? 'Enabled' : 'Disabled'),
      'ecc.errors.uncorrected.volatile.total': (g) => na(g.eccUncorrected),
      'retired_pages.pending': (g) => na(g.retiredPagesPending),
    };
    const unknown = fields.find((f) => !value[f]);
    if (unknown) invalidField(unknown);
    for (const g of gpus) {
      if (g.lost) {
        lostLine(g);
        continue;
      }
      const usedMb = g.usedMb + announced.filter((a) => a.gpuUuid === g.uuid && isAlive(a.pid)).reduce((sum, a) => sum + a.usedMb, 0);
      const identity = new Set(['index', 'uuid', 'name', 'pci.bus_id']);
      lines.push(fields.map((f) => (g.fault && !identity.has(f) ? g.fault : value[f](g, usedMb))).join(', '));
    }
  } else if (query?.startsWith('--query-compute-apps=')) {
    for (const g of gpus.filter((g) => g.lost)) lostLine(g);
    for (const a of apps) lines.push(`${a.gpuUuid}, ${a.pid}, ${a.usedMb}`);
  } else if (query?.startsWith('--query-remapped-rows=')) {
    const value = {
      gpu_uuid: (g) => g.uuid,
      gpu_bus_id: (g) => busId(g),
      'remapped_rows.correctable': () => 0,
      'remapped_rows.uncorrectable': () => 0,
      'remapped_rows.pending': (g) => na(g.remappedRowsPending),
      'remapped_rows.failure': (g) => na(g.remappedRowsFailure),
    };
    const unknown = fields.find((f) => !value[f]);
    if (unknown) invalidField(unknown);
    for (const g of gpus) {
      if (g.lost) lostLine(g);
      else lines.push(fields.map((f) => value[f](g)).join(', '));
    }
  } else if (args[0] === '-L') {
    for (const g of gpus) {
      if (g.lost) {
        lostLine(g);
        continue;
      }
      lines.push(`GPU ${g.index}: ${g.name} (UUID: ${g.uuid})`);
      for (const m of g.migs ?? []) lines.push(`  MIG ${m.profile.padEnd(11)} Device ${String(m.index).padStart(2)}: (UUID: ${m.uuid})`);
    }
  } else if (args.includes('-q') && args.includes('-x')) {
    lines.push('<?xml version="1.0" ?>', '<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">', '<nvidia_smi_log>', `\t<attached_gpus>${gpus.length}</attached_gpus>`);
    for (const g of gpus.filter((g) => !g.lost)) {
      const migs = (g.migs ?? []).map((m) =>
        [
          '\t\t\t<mig_device>',
          `\t\t\t\t<index>${m.index}</index>`,
          `\t\t\t\t<gpu_instance_id>${m.gi ?? m.index + 1}</gpu_instance_id>`,
          `\t\t\t\t<compute_instance_id>${m.ci ?? 0}</compute_instance_id>`,
          '\t\t\t\t<fb_memory_usage>',
          `\t\t\t\t\t<total>${m.totalMb} MiB</total>`,
          '\t\t\t\t\t<reserved>0 MiB</reserved>',
          '\t\t\t\t\t<used>0 MiB</used>',
          `\t\t\t\t\t<free>${m.totalMb} MiB</free>`,
          '\t\t\t\t</fb_memory_usage>',
          '\t\t\t</mig_device>',
        ].join('\n'),
      );
      lines.push(
        `\t<gpu id="${busId(g)}">`,
        `\t\t<product_name>${g.name}</product_name>`,
        `\t\t<mig_mode>\n\t\t\t<current_mig>${g.migs ? 'Enabled' : 'Disabled'}</current_mig>\n\t\t</mig_mode>`,
        `\t\t<mig_devices>\n${migs.length > 0 ? migs.join('\n') : '\t\t\tNone'}\n\t\t</mig_devices>`,
        `\t\t<uuid>${g.uuid}</uuid>`,
        `\t\t<fb_memory_usage>\n\t\t\t<total>${g.totalMb} MiB</total>\n\t\t\t<used>${g.usedMb} MiB</used>\n\t\t</fb_memory_usage>`,
        '\t</gpu>',
      );
    }
    lines.push('</nvidia_smi_log>');
  } else {
    process.stderr.write(`fake nvidia-smi: unsupported arguments ${args.join(' ')}\n`);
    process.exit(2);
  }
  process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  // NVML_ERROR_GPU_IS_LOST: what nvidia-smi exits with when it could not read a GPU.
  if (lostAny) process.exit(15);
}

function invalidField(name) {
  process.stdout.write(`Field "${name}" is not a valid field to query.\n\n`);
  process.exit(2);
}

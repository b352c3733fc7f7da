#!/usr/bin/env node
// A stand-in for nvidia-smi on machines without a GPU. It prints exactly what the real one prints
// for the queries gpuq makes (docs/contracts/nvidia-smi.md), from a JSON state file a test writes:
//   FAKE_NVIDIA_SMI_STATE=/path/state.json
//   { "gpus": [{ "index": 0, "uuid": "GPU-…", "name": "…", "totalMb": 24576, "usedMb": 0,
//                "utilization": 0, "temperature": 30, "fault": "[GPU requires reset]"? }],
//     "apps": [{ "gpuUuid": "GPU-…", "pid": 123, "usedMb": 512 }],
//     "appsDir": "/path"?, "fail": "message"? }
// Processes may also announce themselves: a file in appsDir named by pid, holding "uuid,usedMb"
// (test/fakes/gpu-job.mjs does). Their memory counts in their GPU's memory.used.
// A process whose pid no longer exists is left out, as the driver would.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const state = JSON.parse(readFileSync(process.env.FAKE_NVIDIA_SMI_STATE, 'utf8'));
const args = process.argv.slice(2);
if (state.fail) {
  process.stderr.write(`${state.fail}\n`);
  process.exit(9);
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
const query = args.find((a) => a.startsWith('--query-'));
if (query?.startsWith('--query-gpu=')) {
  for (const g of state.gpus) {
    const usedMb = g.usedMb + announced.filter((a) => a.gpuUuid === g.uuid && isAlive(a.pid)).reduce((sum, a) => sum + a.usedMb, 0);
    const memory = g.fault ? [g.fault, g.fault, g.fault] : [g.totalMb, usedMb, g.totalMb - usedMb];
    process.stdout.write(`${[g.index, g.uuid, g.name, ...memory, g.fault ? '[N/A]' : g.utilization ?? 0, g.fault ? '[N/A]' : g.temperature ?? 30].join(', ')}\n`);
  }
} else if (query?.startsWith('--query-compute-apps=')) {
  for (const a of apps) process.stdout.write(`${a.gpuUuid}, ${a.pid}, ${a.usedMb}\n`);
} else if (args[0] === '-L') {
  for (const g of state.gpus) process.stdout.write(`GPU ${g.index}: ${g.name} (UUID: ${g.uuid})\n`);
} else {
  process.stderr.write(`fake nvidia-smi: unsupported arguments ${args.join(' ')}\n`);
  process.exit(2);
}

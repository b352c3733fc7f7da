#!/usr/bin/env node
// A stand-in for nvidia-smi on machines without a GPU. It prints exactly what the real one prints
// for the queries gpuq makes (CONTRACTS.md), from a JSON state file a test writes:
//   FAKE_NVIDIA_SMI_STATE=/path/state.json
//   { "gpus": [{ "index": 0, "uuid": "GPU-…", "name": "…", "totalMb": 24576, "usedMb": 0,
//                "utilization": 0, "temperature": 30, "fault": "[GPU requires reset]"? }],
//     "apps": [{ "gpuUuid": "GPU-…", "pid": 123, "usedMb": 512 }],
//     "fail": "message"? }
// A process listed under "apps" whose pid no longer exists is left out, as the driver would.
import { readFileSync } from 'node:fs';

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
const query = args.find((a) => a.startsWith('--query-'));
if (query?.startsWith('--query-gpu=')) {
  for (const g of state.gpus) {
    const memory = g.fault ? [g.fault, g.fault, g.fault] : [g.totalMb, g.usedMb, g.totalMb - g.usedMb];
    process.stdout.write(`${[g.index, g.uuid, g.name, ...memory, g.fault ? '[N/A]' : g.utilization ?? 0, g.fault ? '[N/A]' : g.temperature ?? 30].join(', ')}\n`);
  }
} else if (query?.startsWith('--query-compute-apps=')) {
  for (const a of state.apps ?? []) if (isAlive(a.pid)) process.stdout.write(`${a.gpuUuid}, ${a.pid}, ${a.usedMb}\n`);
} else if (args[0] === '-L') {
  for (const g of state.gpus) process.stdout.write(`GPU ${g.index}: ${g.name} (UUID: ${g.uuid})\n`);
} else {
  process.stderr.write(`fake nvidia-smi: unsupported arguments ${args.join(' ')}\n`);
  process.exit(2);
}

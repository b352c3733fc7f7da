#!/usr/bin/env node
// A stand-in GPU job for the process executor: it "uses" FAKE_USE_MB of the GPU it was given
// (CUDA_VISIBLE_DEVICES), announcing that to the fake nvidia-smi through FAKE_APPS_DIR, runs for
// FAKE_DURATION_MS, then prints a result. It reads its input from stdin like a real job.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const announcement = join(process.env.FAKE_APPS_DIR, String(process.pid));
writeFileSync(announcement, `${process.env.CUDA_VISIBLE_DEVICES},${process.env.FAKE_USE_MB}`);
process.stdout.write(`${JSON.stringify({ progress: { phase: 'running' } })}\n`);
await new Promise((resolve) => setTimeout(resolve, Number(process.env.FAKE_DURATION_MS ?? 500)));
rmSync(announcement, { force: true });
process.stdout.write(`${JSON.stringify({ ok: true, inputBytes: input.length, gpu: process.env.GPUQ_GPU_ID })}\n`);

#!/usr/bin/env node
// A stand-in job for the process executor that leaves a trace of every run: a line when it starts
// and one when it ends, in MARK_DIR/<job id>, naming the box (MARK_BOX, from that box's config), its
// GPU and VRAM. Two runs of one job at once show as overlapping intervals. It runs MARK_DURATION_MS
// and prints where it ran.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

for await (const _ of process.stdin); // the input is not used, but a job reads it
const file = join(process.env.MARK_DIR, process.env.GPUQ_JOB_ID);
const where = { box: process.env.MARK_BOX, gpu: process.env.GPUQ_GPU_ID, vramMb: Number(process.env.GPUQ_VRAM_MB), attempt: Number(process.env.GPUQ_ATTEMPT), pid: process.pid };
appendFileSync(file, `${JSON.stringify({ event: 'start', at: Date.now(), ...where })}\n`);
await new Promise((resolve) => setTimeout(resolve, Number(process.env.MARK_DURATION_MS ?? 100)));
appendFileSync(file, `${JSON.stringify({ event: 'end', at: Date.now(), ...where })}\n`);
process.stdout.write(`${JSON.stringify({ ok: true, ...where })}\n`);

// `npm run simulate`: the CLI around the simulator, as a person runs it.
import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '@gpuq/testkit';

const run = promisify(execFile);
const simulate = (...args: string[]) => run(process.execPath, [join(ROOT, 'apps/scheduler/dist/simulate.js'), ...args], { cwd: ROOT });

describe('npm run simulate', () => {
  it('prints a JSON report for a trace, GPUs and a policy', async () => {
    const { stdout } = await simulate('--trace', 'traces/mixed-30min.jsonl', '--gpus', '2x81920,2x24576', '--policy', 'best-fit');
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ policy: 'best-fit', gpus: 4, jobs: 432, completed: 432, neverFit: 0, stuck: 0, overcommitted: false });
    for (const key of ['makespanS', 'makespanLowerBoundS', 'vramTimeUtilization', 'waitS', 'maxWaitByKindS']) expect(report).toHaveProperty(key);
    expect(report.makespanS).toBeGreaterThanOrEqual(report.makespanLowerBoundS as number);
  });

  it('reads the GPUs from a config file when --gpus is absent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuq-sim-'));
    writeFileSync(join(dir, 'trace.jsonl'), '{"id":"a","submitAt":0,"kind":"fold","vramMb":30000,"durationS":10}\n');
    writeFileSync(join(dir, 'gpuq.yaml'), 'gpus:\n  - { id: big, vramMb: 81920 }\n');
    const { stdout } = await simulate('--trace', join(dir, 'trace.jsonl'), '--config', join(dir, 'gpuq.yaml'));
    expect(JSON.parse(stdout)).toMatchObject({ gpus: 1, completed: 1, makespanS: 10 });
  });

  it('runs boxes sharing one queue beside one pool of the same GPUs, with --boxes', async () => {
    const { stdout } = await simulate('--trace', 'traces/mixed-30min.jsonl', '--boxes', '2x(2x24576),1x(1x81920)');
    const report = JSON.parse(stdout) as { boxes: Array<{ id: string; gpus: number[] }>; manyBoxes: Record<string, unknown>; onePool: Record<string, unknown> };
    expect(report.boxes).toEqual([
      { id: 'box0', gpus: [24_576, 24_576] },
      { id: 'box1', gpus: [24_576, 24_576] },
      { id: 'box2', gpus: [81_920] },
    ]);
    for (const run of [report.manyBoxes, report.onePool]) expect(run).toMatchObject({ jobs: 432, completed: 432, neverFit: 0, stuck: 0, overcommitted: false });
    expect(Object.keys(report.manyBoxes.ranByBox as object)).toEqual(['box0', 'box1', 'box2']);
    await expect(simulate('--trace', 'traces/mixed-30min.jsonl', '--boxes', '2x24576')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--boxes takes COUNTx\(GPUS\)/) });
  });

  it('says what is wrong with a bad line or option, and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpuq-sim-'));
    writeFileSync(join(dir, 'trace.jsonl'), '{"id":"a","submitAt":0,"kind":"fold","vramMb":-1,"durationS":10}\n');
    await expect(simulate('--trace', join(dir, 'trace.jsonl'))).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/trace\.jsonl:1: vramMb Too small/) });
    await expect(simulate('--trace', join(dir, 'trace.jsonl'), '--policy', 'magic')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--policy must be one of best-fit, spread, first-fit, fifo, exclusive/) });
    await expect(simulate('--trace', join(dir, 'trace.jsonl'), '--gpus', '4xlots')).rejects.toMatchObject({ code: 2 });
  });
});

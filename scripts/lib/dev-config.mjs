// The config `npm start` writes when GPUQ_CONFIG is not set: the scheduler and the API read the
// solver-cpu and model-cpu URLs from it (on the ports this instance's servers listen on), the
// instance's own artifact and attempt directories, and, when the fold stand-in image is here and
// the machine has no GPU, fold jobs run with it on two simulated GPUs that it recognises.
import { join } from 'node:path';

/** Config's own default for fold jobs: Boltz-2 as deploy/images/boltz2 builds it. */
export const BOLTZ_IMAGE = 'gpuq/boltz2:2.2.0';

/** Simulated GPUs as the stand-in reads them: their UUID carries their size (GPU-fake-<MiB>-<n>). */
const STAND_IN_GPUS = [0, 1].map((n) => ({ id: `gpu${n}`, vramMb: 24_576, uuid: `GPU-fake-24576-${n}` }));

/** A YAML scalar: JSON's double-quoted strings are YAML's too. */
const q = (value) => JSON.stringify(value);

/**
 * The config as YAML. `fold.image` is the image fold jobs run (absent: the real Boltz-2);
 * `fold.isStandIn` gives it the stand-in's GPUs and GPU mode.
 */
export function renderDevConfig({ solverUrl, modelUrl, dataDir, fold }) {
  const lines = [
    '# Written by `npm start` (scripts/start.mjs) at every start, from SOLVER_PORT, MODEL_PORT and',
    '# GPUQ_DATA_DIR: edits are lost. To run with your own config, set GPUQ_CONFIG to its path.',
  ];
  if (fold.isStandIn) {
    lines.push('# Simulated GPUs that the fold stand-in recognises by their UUID.', 'gpus:');
    for (const gpu of STAND_IN_GPUS) lines.push(`  - { id: ${gpu.id}, vramMb: ${gpu.vramMb}, uuid: ${q(gpu.uuid)} }`);
  }
  lines.push(
    'kinds:',
    '  solve:',
    '    servers:',
    `      - { name: solver-cpu, url: ${q(solverUrl)} }`,
    '  inference:',
    '    models:',
    `      default: { url: ${q(modelUrl)} }`,
    '  fold:',
  );
  if (fold.isStandIn) lines.push('    # gpuq/boltz2:stand-in (npm run fold:dev-image): not Boltz-2; it writes made-up structures.');
  lines.push('    executor:', '      type: docker');
  lines.push(`      image: ${q(fold.image ?? BOLTZ_IMAGE)}`);
  // The stand-in reads its GPU from CUDA_VISIBLE_DEVICES; there is no NVIDIA runtime to ask.
  if (fold.isStandIn) lines.push('      gpuMode: env');
  lines.push(`      jobsDir: ${q(join(dataDir, 'jobs'))}`, `artifactsDir: ${q(join(dataDir, 'artifacts'))}`, '');
  return lines.join('\n');
}

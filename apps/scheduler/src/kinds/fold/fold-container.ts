// Boltz-2 in a container: the fold input written as Boltz's YAML with its alignments and templates
// beside it (boltz-input.ts), `boltz predict` run on it, and the outcome read from the files it
// wrote and the lines it printed (boltz-outcome.ts), both through Boltz's own names (boltz-contract.ts).
import { FoldInput } from '@gpuq/shared';
import type { ExecutionRequest } from '../../executors/executor.js';
import type { ContainerAdapter, ContainerOutcome, ContainerTask } from '../../executors/container-attempt.js';
import { boltzArgs, toBoltzFiles } from './boltz-input.js';
import { readBoltzOutcome } from './boltz-outcome.js';

export { boltzArgs, STEM, toBoltzFiles } from './boltz-input.js';
export { modelsByRank, PREDICTIONS_DIR } from './boltz-outcome.js';

export const foldContainer: ContainerAdapter = {
  prepare(raw: unknown): ContainerTask {
    const input = FoldInput.parse(raw);
    return { files: toBoltzFiles(input), args: boltzArgs(input), needsNetwork: input.options.useMsaServer };
  },

  collect(dir: string, logs: string, exitCode: number, job: ExecutionRequest): Promise<ContainerOutcome> {
    return readBoltzOutcome(dir, logs, exitCode, job, FoldInput.parse(job.input));
  },

  missingImageHelp: foldImageHelp,
};

/** The tag deploy/images/boltz2 is built as, and config's default image for fold jobs. */
const BOLTZ_IMAGE = 'gpuq/boltz2:2.2.0';

/** Where Boltz-2's image comes from, and the stand-in that lets a machine without a GPU run fold jobs end to end. */
export function foldImageHelp(image: string): string {
  const nameIt = image === BOLTZ_IMAGE ? '' : ' and name it in kinds.fold.executor.image';
  return (
    `build Boltz-2 with \`docker build -t ${BOLTZ_IMAGE} deploy/images/boltz2\` (about 6 GB; it needs an NVIDIA GPU to run)${nameIt}, ` +
    'or, to try fold jobs without a GPU, build a stand-in that writes made-up structures with `npm run fold:dev-image` (`npm start` uses it when it is there)'
  );
}

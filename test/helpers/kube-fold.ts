// Fold jobs on the Kubernetes API stand-in, as the kubernetes tests set them up: a stand-in whose
// kubelet runs the Boltz stand-in (test/fakes/boltz) for FOLD_IMAGE, and a kubernetes executor's
// settings for it, each with its jobs' directory as the hostPath volume.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeApiStandIn, type StandInImage, type StandInNode } from '@gpuq/testkit';
import { renderBoltzStrings } from '../../scripts/lib/boltz-stand-in.mjs';

export const FOLD_IMAGE = 'gpuq-test/boltz2:k8s';
export const FOLD_NAMESPACE = 'gpuq-jobs';
const BOLTZ = join(dirname(fileURLToPath(import.meta.url)), '..', 'fakes', 'boltz', 'boltz');

/** The stand-in with `nodes`, FOLD_IMAGE and `images`; Boltz's strings file is written into `dir`. */
export async function startFoldCluster(dir: string, nodes: StandInNode[], images: Record<string, StandInImage> = {}): Promise<KubeApiStandIn> {
  const stringsFile = join(dir, 'strings.sh');
  writeFileSync(stringsFile, await renderBoltzStrings());
  return KubeApiStandIn.start({ nodes, images: { [FOLD_IMAGE]: { entrypoint: [BOLTZ], env: { BOLTZ_STRINGS: stringsFile } }, ...images } });
}

/** A kubernetes executor's settings for fold jobs on `standIn`, with a jobs' directory of its own under `dir`. */
export function foldExecutor(standIn: KubeApiStandIn, dir: string, extra: Record<string, unknown> = {}) {
  const jobsDir = mkdtempSync(join(dir, 'jobs-'));
  return {
    jobsDir,
    settings: { type: 'kubernetes', namespace: FOLD_NAMESPACE, image: FOLD_IMAGE, kubeconfig: standIn.kubeconfig, volume: { hostPath: jobsDir, localDir: jobsDir }, memoryMb: 2_048, ...extra },
  };
}

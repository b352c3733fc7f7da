// The Kubernetes API as the executor uses it: a kubeconfig (config's file, else KUBECONFIG, else the
// pod's service account), the typed clients for Jobs and pods, and the API's error statuses.
import { BatchV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../gpus/cluster/kube-config.js';

export { messageOf, statusOf } from '../../gpus/cluster/kube-errors.js';

export interface KubeApi {
  config: KubeConfig;
  batch: BatchV1Api;
  core: CoreV1Api;
  /** Where the API server is, for messages. */
  server: string;
}

export function kubeApi(kubeconfig: string | undefined): KubeApi {
  const config = loadKubeConfig(kubeconfig);
  return { config, batch: config.makeApiClient(BatchV1Api), core: config.makeApiClient(CoreV1Api), server: config.getCurrentCluster()?.server ?? 'no cluster' };
}

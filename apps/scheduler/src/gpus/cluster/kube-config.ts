// Which Kubernetes API gpuq talks to, and its typed clients: config's kubeconfig file, else
// KUBECONFIG, else the pod's service account, else the default (~/.kube/config). The cluster's GPU
// reader and the kubernetes executor both take theirs from here.
import { existsSync } from 'node:fs';
import { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';

/** The node a GPU sits on, by gpuq's id; undefined for a GPU not read from a cluster. */
export type NodeOf = (gpuId: string) => string | undefined;

export interface KubeApi {
  config: KubeConfig;
  batch: BatchV1Api;
  core: CoreV1Api;
  /** Where the API server is, for messages. */
  server: string;
}

function loadKubeConfig(kubeconfig: string | undefined): KubeConfig {
  const config = new KubeConfig();
  const file = kubeconfig ?? process.env.KUBECONFIG;
  if (file) config.loadFromFile(file);
  else if (existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) config.loadFromCluster();
  else config.loadFromDefault();
  return config;
}

export function kubeApi(kubeconfig: string | undefined): KubeApi {
  const config = loadKubeConfig(kubeconfig);
  return { config, batch: config.makeApiClient(BatchV1Api), core: config.makeApiClient(CoreV1Api), server: config.getCurrentCluster()?.server ?? 'no cluster' };
}

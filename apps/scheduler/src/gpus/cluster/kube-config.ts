// Which Kubernetes API gpuq talks to: config's kubeconfig file, else KUBECONFIG, else the pod's
// service account, else the default (~/.kube/config). The cluster's GPU reader and the kubernetes
// executor load it the same way.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfig(kubeconfig: string | undefined): KubeConfig {
  const config = new KubeConfig();
  const file = kubeconfig ?? process.env.KUBECONFIG;
  if (file) config.loadFromFile(file);
  else if (existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) config.loadFromCluster();
  else config.loadFromDefault();
  return config;
}

// The Kubernetes API as the executor uses it: a kubeconfig (config's file, else KUBECONFIG, else the
// pod's service account), the typed clients for Jobs and pods, and the API's error statuses.
import { ApiException, BatchV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../gpus/cluster/kube-config.js';

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

/** The HTTP status of a failed API call (409 AlreadyExists, 404 NotFound), if it got that far. */
export function statusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? (err.code) : undefined;
}

/** The API's own message for a failed call (its Status object's), else the error's. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiException) {
    const raw = err.body as { message?: string } | string | undefined;
    let body: { message?: string } | undefined;
    if (typeof raw === 'string') {
      try {
        body = JSON.parse(raw) as { message?: string };
      } catch {
        body = { message: raw };
      }
    } else body = raw;
    return `${err.code}${body?.message ? `: ${body.message}` : ''}`;
  }
  return (err as Error).message;
}

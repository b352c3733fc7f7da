// A failed call to the Kubernetes API, as gpuq says it: its HTTP status, and the API's own message
// (its Status object's) rather than the client library's dump of the response.
import { ApiException } from '@kubernetes/client-node';

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

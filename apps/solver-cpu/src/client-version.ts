// cuOpt's client-version check: it never refuses a request, it adds a warning to the result.
import { cuopt } from '@gpuq/shared';

const CUOPT_VERSION = cuopt.CUOPT_VERSION;

export function clientVersionWarnings(header: string | undefined): string[] {
  if (header === 'custom') return [];
  const match = /^(\d+)\.(\d+)/.exec(header ?? '');
  if (!match) {
    return [
      `Client version missing or not the current format. Please upgrade your cuOpt client to '${CUOPT_VERSION}', or set the client version to 'custom' if this is a custom client.`,
    ];
  }
  if (`${match[1]}.${match[2]}` !== CUOPT_VERSION) {
    return [`Client version is '${match[1]}.${match[2]}' but server version is '${CUOPT_VERSION}'. Please use a matching client.`];
  }
  return [];
}

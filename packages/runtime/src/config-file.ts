// Reads the gpuq config file (YAML or JSON; YAML is a superset) and validates it with the shared
// schema. A bad file stops start-up with one line per bad field.
import { readFileSync } from 'node:fs';
import { GpuqConfig, issuesToDetails } from '@gpuq/shared';
import { parse as parseYaml } from 'yaml';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The config at `path`, or the defaults when no path is given. */
export function loadConfig(path: string | undefined): GpuqConfig {
  if (!path) return GpuqConfig.parse({});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, source: string): GpuqConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError(`config file ${source} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  const result = GpuqConfig.safeParse(raw);
  if (!result.success) {
    const lines = issuesToDetails(result.error.issues).map((d) => `  ${d.path}: ${d.message}`);
    throw new ConfigError(`config file ${source} is invalid:\n${lines.join('\n')}`);
  }
  return result.data;
}

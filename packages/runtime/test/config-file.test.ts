import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config-file.js';

describe('parseConfig', () => {
  it('reads YAML and JSON alike, filling defaults', () => {
    const yaml = parseConfig('gpus:\n  - { id: gpu0, vramMb: 81920 }\nscheduler:\n  policy: spread\n', 'gpuq.yaml');
    const json = parseConfig('{"gpus": [{"id": "gpu0", "vramMb": 81920}], "scheduler": {"policy": "spread"}}', 'gpuq.json');
    expect(yaml).toEqual(json);
    expect(yaml.gpus).toEqual([{ id: 'gpu0', vramMb: 81_920 }]);
    expect(yaml.scheduler.windowPerKind).toBe(32);
  });

  it('treats an empty file as all defaults', () => {
    expect(parseConfig('', 'empty.yaml').kinds.solve.servers).toMatchObject([{ name: 'solver-cpu', url: 'http://127.0.0.1:5000' }]);
  });

  it('names every bad field, and the file', () => {
    expect(() => parseConfig('gpus:\n  - { id: gpu0, vramMb: -1 }\nscheduler: { policy: random }\n', 'bad.yaml')).toThrow(
      new ConfigError('config file bad.yaml is invalid:\n  gpus[0].vramMb: Too small: expected number to be >0\n  scheduler.policy: Invalid option: expected one of "best-fit"|"spread"|"first-fit"'),
    );
    expect(() => parseConfig('gpus: [', 'broken.yaml')).toThrow(/broken.yaml is not valid YAML or JSON/);
  });
});

describe('the README', () => {
  it('shows a configuration file that is valid, as written', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const config = parseConfig(example!, 'README.md');
    expect(config.kinds.fold.executor).toMatchObject({ type: 'docker', image: 'gpuq/boltz2:2.2.0', user: '1000:1000' });
    expect(config.gpus?.map((g) => g.id)).toEqual(['gpu0', 'gpu1']);
  });
});

import { describe, expect, it } from 'vitest';
import { connectionOf, labelsOption, numberOption, parseCommandArgs, positionalsOf, splitCommand } from '../src/cli/args.js';
import { UsageError } from '../src/cli/usage-error.js';

describe('splitCommand', () => {
  it('finds the command after global options, values included', () => {
    expect(splitCommand(['--url', 'http://x', 'status', 'id1', '--json'])).toEqual({ command: 'status', args: ['--url', 'http://x', 'id1', '--json'] });
    expect(splitCommand(['--url=http://x', '--key', 'k', 'gpus'])).toEqual({ command: 'gpus', args: ['--url=http://x', '--key', 'k'] });
    expect(splitCommand(['solve', 'model.mps', '--wait'])).toEqual({ command: 'solve', args: ['model.mps', '--wait'] });
  });

  it('has no command for a bare --help or nothing at all', () => {
    expect(splitCommand(['--help'])).toEqual({ command: undefined, args: ['--help'] });
    expect(splitCommand([])).toEqual({ command: undefined, args: [] });
  });
});

describe('parseCommandArgs', () => {
  const options = { wait: { type: 'boolean' }, label: { type: 'string', multiple: true }, priority: { type: 'string' } } as const;

  it('reads the command’s options and the global ones, before or after positionals', () => {
    const { values, positionals } = parseCommandArgs('submit', ['solve', '--url', 'http://x', 'in.yaml', '--wait', '--label', 'a=1', '--label=b=2'], options);
    expect(positionals).toEqual(['solve', 'in.yaml']);
    expect(values).toEqual({ url: 'http://x', wait: true, label: ['a=1', 'b=2'] });
  });

  it('names the option a mistake is about, in words for people', () => {
    const error = (args: string[]) => {
      try {
        parseCommandArgs('submit', args, options);
      } catch (err) {
        return err;
      }
      return undefined;
    };
    expect(error(['--bogus'])).toEqual(new UsageError("unknown option '--bogus'", 'submit'));
    expect(error(['--priority'])).toEqual(new UsageError("option '--priority' needs a value", 'submit'));
    expect(error(['--wait=yes'])).toEqual(new UsageError("option '--wait' does not take an argument", 'submit'));
  });
});

describe('option values', () => {
  it('takes positionals by name, refusing too few or too many', () => {
    expect(positionalsOf('status', ['id1'], ['id'] as const)).toEqual(['id1']);
    expect(() => positionalsOf('status', [], ['id'] as const)).toThrow(new UsageError('missing <id>', 'status'));
    expect(() => positionalsOf('status', ['a', 'b'], ['id'] as const)).toThrow("unexpected argument 'b'");
  });

  it('reads numbers, refusing what is not one or is too small', () => {
    expect(numberOption('submit', 'priority', '70', { isInteger: true })).toBe(70);
    expect(numberOption('solve', 'time-limit', '2.5', { min: 0 })).toBe(2.5);
    expect(numberOption('submit', 'priority', undefined)).toBeUndefined();
    expect(() => numberOption('submit', 'priority', 'high', { isInteger: true })).toThrow("--priority must be a whole number, not 'high'");
    expect(() => numberOption('submit', 'vram-mb', '1.5', { isInteger: true })).toThrow("--vram-mb must be a whole number, not '1.5'");
    expect(() => numberOption('submit', 'vram-mb', '0', { isInteger: true, min: 1 })).toThrow('--vram-mb must be at least 1, not 0');
    expect(() => numberOption('submit', 'timeout', '', {})).toThrow("--timeout must be a number, not ''");
  });

  it('reads labels as key=value, the value keeping any further "="', () => {
    expect(labelsOption('submit', ['team=ml', 'query=a=b'])).toEqual({ team: 'ml', query: 'a=b' });
    expect(labelsOption('submit', undefined)).toBeUndefined();
    expect(() => labelsOption('submit', ['team'])).toThrow("--label must be key=value, not 'team'");
  });
});

describe('connectionOf', () => {
  it('prefers options, then GPUQ_URL and GPUQ_API_KEY, then the local default', () => {
    expect(connectionOf({}, {})).toEqual({ url: 'http://127.0.0.1:8080', apiKey: undefined });
    expect(connectionOf({}, { GPUQ_URL: 'http://box:9000', GPUQ_API_KEY: 'k1' })).toEqual({ url: 'http://box:9000', apiKey: 'k1' });
    expect(connectionOf({ url: 'https://gpuq.example', key: 'k2' }, { GPUQ_URL: 'http://box:9000', GPUQ_API_KEY: 'k1' })).toEqual({ url: 'https://gpuq.example', apiKey: 'k2' });
  });

  it('refuses an address that is not an http URL, naming where it came from', () => {
    expect(() => connectionOf({ url: 'box:9000x' }, {})).toThrow("the API's URL must be http or https, not 'box:9000x'");
    expect(() => connectionOf({}, { GPUQ_URL: 'not a url' })).toThrow("GPUQ_URL is not a URL: 'not a url'");
  });
});

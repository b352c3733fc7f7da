import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatGib, formatNumber, formatTable, formatTime, truncate } from '../src/cli/format.js';

describe('formatTable', () => {
  it('aligns columns to their widest cell, numbers to the right, with no trailing blanks', () => {
    const table = formatTable(
      [{ header: 'GPU' }, { header: 'NAME' }, { header: 'FREE', align: 'right' }],
      [
        ['gpu0', 'NVIDIA A100-SXM4-80GB', '71.5'],
        ['gpu1', '', '8.0'],
      ],
    );
    expect(table).toBe(['GPU   NAME                   FREE', 'gpu0  NVIDIA A100-SXM4-80GB  71.5', 'gpu1                          8.0', ''].join('\n'));
  });

  it('prints only the header for no rows', () => {
    expect(formatTable([{ header: 'ID' }, { header: 'STATUS' }], [])).toBe('ID  STATUS\n');
  });
});

describe('formatDuration', () => {
  it('says how long in the unit that reads best', () => {
    expect([0, 350, 999, 1_000, 4_250, 12_400, 59_999, 60_000, 185_000, 3_600_000, 7_380_000, 90_000_000].map(formatDuration)).toEqual([
      '0 ms',
      '350 ms',
      '999 ms',
      '1.0 s',
      '4.3 s',
      '12 s',
      '60 s',
      '1 min 00 s',
      '3 min 05 s',
      '1 h 00 min',
      '2 h 03 min',
      '1 d 01 h',
    ]);
  });
});

describe('sizes and numbers', () => {
  it('formats bytes in binary units', () => {
    expect([0, 512, 1_536, 20 * 1_048_576, 3.25 * 1_073_741_824].map(formatBytes)).toEqual(['0 B', '512 B', '1.5 KiB', '20.0 MiB', '3.3 GiB']);
  });

  it('gives MiB as GiB with one decimal', () => {
    expect([24_576, 81_920, 2_048, 0, 1_000].map(formatGib)).toEqual(['24.0', '80.0', '2.0', '0.0', '1.0']);
  });

  it('prints numbers without float noise, and tiny or huge ones in exponent form', () => {
    expect([-0.36000000000000004, 27.5, 0, -0, 1e-7, 1.5e12, 123_456_789].map(formatNumber)).toEqual(['-0.36', '27.5', '0', '0', '1e-7', '1.5e+12', '123457000']);
  });

  it('cuts long text with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });

  it('dates to the millisecond in local time', () => {
    expect(formatTime(new Date(2025, 10, 23, 9, 5, 7, 42).getTime())).toBe('2025-11-23 09:05:07.042');
  });
});

// Text for people: aligned tables, durations, sizes and times. Pure, so it is tested as text.

export type Align = 'left' | 'right';

const two = (n: number) => String(n).padStart(2, '0');

export interface Column {
  header: string;
  /** @defaultValue 'left' */
  align?: Align;
}

/** Rows under a header, each column as wide as its widest cell, two spaces apart, no trailing blanks. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cells = [columns.map((c) => c.header), ...rows];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) =>
    columns
      .map((column, i) => {
        const cell = row[i] ?? '';
        return column.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return `${cells.map(line).join('\n')}\n`;
}

/** 350 ms, 4.2 s, 3 min 05 s, 2 h 03 min, 3 d 04 h. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const seconds = Math.floor(ms / 1_000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ${two(seconds % 60)} s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)} h ${two(Math.floor(seconds / 60) % 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${two(Math.floor(seconds / 3_600) % 24)} h`;
}

/** 512 B, 1.5 KiB, 20.0 MiB, 3.2 GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1_024 && unit < units.length - 1) {
    value /= 1_024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** MiB as GiB with one decimal: 24576 → 24.0. */
export const formatGib = (mb: number): string => (mb / 1_024).toFixed(1);

/** Local time, to the millisecond: 2025-11-23 13:27:01.123. */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  return `${date} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** How long ago, roughly: 4.2 s ago, 3 min 05 s ago. */
export const formatAge = (epochMs: number, now: number = Date.now()): string => `${formatDuration(Math.max(0, now - epochMs))} ago`;

/** A number as people read it: at most 6 significant digits, no trailing zeros, no -0. */
export function formatNumber(value: number): string {
  if (Object.is(value, -0) || value === 0) return '0';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e9 || abs < 1e-4) return value.toExponential(4).replace(/\.?0+e/, 'e');
  return String(Number(value.toPrecision(6)));
}

/** Cuts text to `width` characters, marking the cut with an ellipsis. */
export function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

// How hard the reliability tests push: a short form in `npm test`, and a long one (more rounds of
// each fault) with GPUQ_RELIABILITY_LONG=1, which `npm run reliability` sets.
export const isLong = process.env.GPUQ_RELIABILITY_LONG === '1';

/** `short` rounds in npm test, `long` rounds in the long form. */
export function rounds(short: number, long: number): number {
  return isLong ? long : short;
}

/** A test's own limit, longer in the long form. */
export function testTimeoutMs(shortMs: number, longMs: number): number {
  return isLong ? longMs : shortMs;
}

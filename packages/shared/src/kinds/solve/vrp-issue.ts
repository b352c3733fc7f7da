// What a VRP check reports: a path into the input and what is wrong there. Shared by vrp-checks.ts and
// vrp-travel.ts, with `count` for the sizes their messages quote.

export type Path = (string | number)[];
export type Issue = { path: Path; message: string };

export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

// The processes descended from some root pids (a job's process or container), read from /proc:
// nvidia-smi reports GPU memory per process, and a job's work may run in children.
import { readdir, readFile } from 'node:fs/promises';

export async function parentsByPid(): Promise<Map<number, number>> {
  const parents = new Map<number, number>();
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return parents;
  }
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        try {
          const stat = await readFile(`/proc/${name}/stat`, 'utf8');
          // The command name is in parentheses and may contain spaces: the fields after it are fixed.
          const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          parents.set(Number(name), Number(after[1]));
        } catch {
          // The process ended while we looked.
        }
      }),
  );
  return parents;
}

export function descendants(roots: Iterable<number>, parents: ReadonlyMap<number, number>): Set<number> {
  const tree = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (!tree.has(pid) && tree.has(parent)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

// The files a container attempt leaves that the job keeps: copied from the attempt's directory to
// the artifact store, <artifactsDir>/<jobId>/<file name> (as the docker executor keeps them).
import { cp, mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export async function keepArtifacts(artifactsDir: string, jobId: string, dir: string, paths: readonly string[]): Promise<Array<{ name: string; bytes: number }>> {
  const target = join(resolve(artifactsDir), jobId);
  await mkdir(target, { recursive: true });
  const kept: Array<{ name: string; bytes: number }> = [];
  for (const path of paths) {
    const name = path.split('/').pop()!;
    await cp(join(dir, path), join(target, name));
    kept.push({ name, bytes: (await stat(join(target, name))).size });
  }
  return kept;
}

// The scheduler's folders are its layers, bottom to top: each file may import only from its own
// folder and the folders below it, and from the top level's leaf modules (metrics.ts, env.ts),
// which import nothing of ours. Run by `npm run lint`; it names every import that reaches up.
import madge from 'madge';

const ROOT = 'apps/scheduler/src';
const LAYERS = ['core', 'gpus', 'executors', 'kinds', 'box', 'queue', 'jobs', '(top)'];
const LEAVES = new Set(['metrics.ts', 'env.ts']);

const layerOf = (file) => (file.includes('/') ? file.split('/')[0] : '(top)');
// Files outside the app (its packages, as madge resolves them) are not layers of it.
const isOurs = (file) => !file.startsWith('..');
const graph = Object.fromEntries(Object.entries((await madge(ROOT, { fileExtensions: ['ts'] })).obj()).filter(([file]) => isOurs(file)));
const problems = [];
for (const [file, imports] of Object.entries(graph)) {
  const from = LAYERS.indexOf(layerOf(file));
  if (from < 0) problems.push(`${file}: its folder is not a known layer (${LAYERS.join(', ')})`);
  for (const target of imports) {
    if (!isOurs(target) || LEAVES.has(target)) continue;
    const to = LAYERS.indexOf(layerOf(target));
    if (to > from) problems.push(`${file} imports ${target}: ${layerOf(file)} is below ${layerOf(target)}`);
  }
}
for (const leaf of LEAVES) {
  for (const target of graph[leaf] ?? []) if (isOurs(target)) problems.push(`${leaf} imports ${target}: a leaf module imports nothing of ours`);
}
if (problems.length > 0) {
  console.error(`${ROOT}: imports that break the layers\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`${ROOT}: ${Object.keys(graph).length} files, every import goes down the layers (${LAYERS.join(' ← ')})`);

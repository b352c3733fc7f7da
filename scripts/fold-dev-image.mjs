#!/usr/bin/env node
// `npm run fold:dev-image`: builds gpuq/boltz2:stand-in, a stand-in for Boltz-2 (made-up structures,
// Boltz's file layout and log lines), so fold jobs run end to end on a machine without a GPU.
// `npm start` uses it when it is there. `--tag <image>` builds it under another tag; `--print-strings`
// prints the strings file it would put in.
import { buildStandInImage, renderBoltzStrings, STAND_IN_IMAGE, standInUnavailable } from './lib/boltz-stand-in.mjs';

const say = (message) => process.stderr.write(`[gpuq] ${message}\n`);

if (process.argv.includes('--print-strings')) {
  process.stdout.write(await renderBoltzStrings());
} else {
  const why = standInUnavailable();
  if (why) {
    say(`cannot build the fold stand-in image: ${why}.`);
    process.exit(1);
  }
  const at = process.argv.indexOf('--tag');
  const tag = at > 0 ? process.argv[at + 1] : STAND_IN_IMAGE;
  if (!tag) {
    say('--tag needs an image name, such as gpuq/boltz2:stand-in.');
    process.exit(2);
  }
  await buildStandInImage(tag);
  say(`built ${tag}: a stand-in for Boltz-2 that writes made-up structures (labelled gpuq.stand-in=true).`);
  if (tag === STAND_IN_IMAGE) say('`npm start` runs fold jobs with it on simulated GPUs. The real image: docker build -t gpuq/boltz2:2.2.0 deploy/images/boltz2');
}

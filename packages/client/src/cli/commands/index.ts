// Every command of `gpuq`, in the order `gpuq --help` lists them.
import type { Command } from '../command.js';
import { cancelCommand } from './cancel.js';
import { drainCommand, undrainCommand } from './drain.js';
import { gpusCommand } from './gpus.js';
import { listCommand } from './list.js';
import { logsCommand } from './logs.js';
import { resultCommand } from './result.js';
import { solveCommand } from './solve.js';
import { statusCommand } from './status.js';
import { submitCommand } from './submit.js';

export const COMMANDS: readonly Command[] = [submitCommand, solveCommand, statusCommand, logsCommand, resultCommand, cancelCommand, listCommand, gpusCommand, drainCommand, undrainCommand];

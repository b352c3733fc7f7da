// How a scheduler stops: held jobs go straight back to the queue, running ones get a grace period
// to finish and are then handed over still running (the next active scheduler of the box
// re-attaches), and every service closes, each step running whichever one before it failed.
import type { Logger } from '@gpuq/runtime';
import type { Dispatcher } from './dispatcher.js';
import { queueOf, type SchedulerServices } from './services.js';

/** Every job waiting in the window, back to its queue as if never fetched. */
export async function returnHeldJobs(services: Pick<SchedulerServices, 'core' | 'queues' | 'announceQueueChanged'>): Promise<void> {
  const { core } = services;
  const held = core.window.ordered();
  await Promise.allSettled(
    held.map((job) => {
      core.drop(job.id);
      return queueOf(services, job.kind).release(job.job, job.token);
    }),
  );
  // Another box may take them now.
  for (const kind of new Set(held.map((job) => job.kind))) services.announceQueueChanged(kind);
}

/** Lets running attempts finish for up to `graceMs`, then hands the rest over still running. */
export async function handOverRunning(dispatcher: Dispatcher, graceMs: number, log: Logger): Promise<void> {
  if (dispatcher.size === 0) return;
  log.info({ running: dispatcher.size, graceMs }, 'waiting for running jobs');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([dispatcher.settled(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  dispatcher.handOverAll();
  await dispatcher.settled();
}

/**
 * Closes every service in order. Each step runs whichever failed before it; the failures are
 * logged, then thrown together. `isClean`: the queues' Redis state may be touched (not after the
 * lease was lost).
 */
export async function shutDownServices(services: SchedulerServices, isClean: boolean, more: Array<[string, () => unknown]> = []): Promise<void> {
  const { metrics, monitor, health, cancels, webhooks, queues, executors, log } = services;
  const steps: Array<[string, () => unknown]> = [
    ...more,
    ['metrics', () => metrics.isActive.set(0)],
    ['gpu monitor', () => monitor?.stop()],
    ['gpu health', () => health.close()],
    ['cancel listener', () => cancels.close()],
    ['webhook outbox', () => webhooks.close()],
    ['queues', () => (isClean ? settleAll([...queues.values()].map((q) => q.close())) : undefined)],
    ['executors', () => settleAll([...executors.values()].map((e) => e.close()))],
  ];
  const failures: unknown[] = [];
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (err) {
      log.error({ err, step: name }, 'a shutdown step failed; going on with the rest');
      failures.push(err);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} shutdown step(s) failed`);
}

/** Waits for every promise; rejects with all the failures, if any. */
async function settleAll(promises: Array<Promise<unknown>>): Promise<void> {
  const failed = (await Promise.allSettled(promises)).flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failed.length > 0) throw new AggregateError(failed, `${failed.length} of ${promises.length} failed to close`);
}

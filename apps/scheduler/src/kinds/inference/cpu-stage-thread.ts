// A worker thread for CPU stages, so cleaning thousands of texts never stalls the scheduler's
// event loop (and a stage past its timeout can be stopped by ending the thread).
import { parentPort } from 'node:worker_threads';
import type { modelServer, PreparedText } from '@gpuq/shared';
import { postprocessPredictions, preprocessTexts, TextRejected } from './inference-text.js';

export type CpuTask =
  | { id: number; stage: 'preprocess'; texts: string[] }
  | { id: number; stage: 'postprocess'; reply: modelServer.ClassifyReply; prepared: PreparedText[]; lowConfidenceBelow: number };

export type CpuTaskReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string; isInputError: boolean };

parentPort?.on('message', (task: CpuTask) => {
  try {
    const value = task.stage === 'preprocess' ? preprocessTexts(task.texts) : postprocessPredictions(task.reply, task.prepared, task.lowConfidenceBelow);
    parentPort!.postMessage({ id: task.id, ok: true, value } satisfies CpuTaskReply);
  } catch (err) {
    parentPort!.postMessage({ id: task.id, ok: false, message: (err as Error).message, isInputError: err instanceof TextRejected } satisfies CpuTaskReply);
  }
});

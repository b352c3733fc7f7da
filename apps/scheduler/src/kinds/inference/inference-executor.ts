// inference jobs as a pipeline of three stages. Only the middle one holds a GPU reservation:
// prepare (CPU, before placement) cleans and counts the texts; run (GPU) sends them to the model's
// server; finish (CPU, after the GPU is released) formats and sums up the predictions. Each stage
// has its own timeout, and a failure names its stage.
import { request as httpRequest } from 'undici';
import { InferenceInput, inferenceModelOf, modelServer, type GpuqConfig, type InferenceResult, type PreparedText } from '@gpuq/shared';
import type { Logger } from '@gpuq/runtime';
import { CpuStageError, CpuStages } from './cpu-stages.js';
import { JobFailure, type ExecutionHooks, type ExecutionRequest, type Executor } from '../../executors/executor.js';

/** A CPU stage's failure, named after the stage. */
function stageFailure(stage: 'preprocess' | 'postprocess', err: unknown): JobFailure {
  if (err instanceof CpuStageError) {
    if (err.isTimeout) return new JobFailure('timed_out', `${stage}: ${err.message}`, false);
    return new JobFailure(err.isInputError ? 'invalid_input' : 'internal', `${stage}: ${err.message}`, !err.isInputError);
  }
  return new JobFailure('internal', `${stage}: ${(err as Error).message}`, true);
}

export class InferenceExecutor implements Executor {
  private readonly stages: CpuStages;

  constructor(
    private readonly config: GpuqConfig,
    private readonly log: Logger,
    threads = 2,
  ) {
    this.stages = new CpuStages(threads);
  }

  private get settings() {
    return this.config.kinds.inference;
  }

  async prepare(request: Pick<ExecutionRequest, 'input'>): Promise<PreparedText[]> {
    const input = InferenceInput.parse(request.input);
    try {
      return await this.stages.run<PreparedText[]>({ stage: 'preprocess', texts: input.texts }, this.settings.stageTimeouts.preprocessS * 1000);
    } catch (err) {
      throw stageFailure('preprocess', err);
    }
  }

  async run(request: ExecutionRequest, signal: AbortSignal, _hooks: ExecutionHooks): Promise<modelServer.ClassifyReply> {
    const input = InferenceInput.parse(request.input);
    const model = inferenceModelOf(input, this.config);
    if (!model) throw new JobFailure('invalid_input', `inference: no model ${input.model} is configured here`, false);
    const prepared = request.prepared as PreparedText[] | undefined;
    if (!prepared) throw new JobFailure('internal', 'inference: the texts were not preprocessed', true);
    const url = `${model.url.replace(/\/+$/, '')}/v1/classify`;
    const timeoutS = this.settings.stageTimeouts.inferenceS;
    const stageTimeout = AbortSignal.timeout(timeoutS * 1000);
    let response;
    let text;
    try {
      response = await httpRequest(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: model.serverModel ?? input.model, texts: prepared.map((p) => p.text) }),
        signal: AbortSignal.any([signal, stageTimeout]),
      });
      // The answer is only in once its body is: a body that stalls is a server that did not answer.
      text = await response.body.text();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (stageTimeout.aborted) throw new JobFailure('timed_out', `inference: the model server of ${input.model} did not answer within ${timeoutS} s`, true);
      // The error's code, not its message: the message names the server's address, which is the
      // operator's to know, not the tenant's (the scheduler's log has it).
      const failure = err as Error & { code?: string; cause?: Error & { code?: string } };
      this.log.warn({ url, err: failure.cause ?? failure }, 'the model server does not answer');
      throw new JobFailure('worker_unavailable', `inference: the model server of ${input.model} does not answer (${failure.cause?.code ?? failure.code ?? failure.name})`, true);
    }
    const body = parseJson(text);
    if (response.statusCode === 200) {
      const reply = modelServer.ClassifyReply.safeParse(body);
      if (!reply.success) throw new JobFailure('worker_error', `inference: the model server of ${input.model} sent a reply this scheduler cannot read`, true);
      if (reply.data.predictions.length !== prepared.length) {
        throw new JobFailure('worker_error', `inference: the model server returned ${reply.data.predictions.length} predictions for ${prepared.length} texts`, true);
      }
      return reply.data;
    }
    const message = errorMessage(body) ?? `HTTP ${response.statusCode}`;
    switch (response.statusCode) {
      case 400:
      case 413:
        throw new JobFailure('invalid_input', `inference: the model server rejected the texts: ${message}`, false);
      case 404:
        throw new JobFailure('worker_error', `inference: the model server of ${input.model} does not serve this model: ${message}`, false);
      case 503:
        throw new JobFailure('worker_unavailable', `inference: the model server of ${input.model} is not ready: ${message}`, true);
      default:
        throw new JobFailure('worker_error', `inference: the model server failed (HTTP ${response.statusCode}): ${message}`, true);
    }
  }

  async finish(request: ExecutionRequest, output: unknown): Promise<InferenceResult> {
    try {
      return await this.stages.run<InferenceResult>(
        { stage: 'postprocess', reply: output as modelServer.ClassifyReply, prepared: request.prepared as PreparedText[], lowConfidenceBelow: this.settings.lowConfidenceBelow },
        this.settings.stageTimeouts.postprocessS * 1000,
      );
    } catch (err) {
      throw stageFailure('postprocess', err);
    }
  }

  /** A classify call cannot be picked up again: the job runs anew. */
  async attach(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    await this.stages.close();
    this.log.debug('inference stages closed');
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The message of the protocol's error body, when the body is one. */
function errorMessage(body: unknown): string | undefined {
  const reply = modelServer.ErrorReply.safeParse(body);
  return reply.success ? reply.data.error.message : undefined;
}

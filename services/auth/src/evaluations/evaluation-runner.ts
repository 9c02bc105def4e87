import { randomBytes } from 'node:crypto';
import type { Logger } from '@switchyard/shared';
import { createEvaluator } from './evaluators/evaluator-registry';
import type { Evaluator } from './evaluators/evaluator';
import type { DatasetItem, EvaluationRun, EvaluationStore, ItemResult, ItemScore } from './evaluation-store';
import { abortableSleep, GatewayCallError, type GatewayClient } from './gateway-client';

/** A gateway client for one run, and how to give it back (revoking the key it was given). */
export interface RunGateway {
  client: GatewayClient;
  release(): Promise<void>;
}

export interface EvaluationRunnerOptions {
  store: EvaluationStore;
  /** The client a run calls the gateway with; `origin` is where the admin call that started the run arrived. */
  openGateway(run: EvaluationRun, origin: string): Promise<RunGateway>;
  /** How long a claim on a run lasts without renewal: a process that died lets another resume after it. */
  leaseMs: number;
  /** Tries per item when the gateway is busy or away (429, 5xx, unreachable). */
  maxAttempts: number;
  webhookTimeoutMs: number;
  allowPrivateWebhooks: boolean;
  logger?: Logger;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Caller errors that will not get better on the next item: the run stops, failed. */
const RUN_FATAL_STATUSES = new Set([401, 403]);

/**
 * Runs evaluation runs in this process: each item of the dataset through
 * the gateway (at most `concurrency` at once), every evaluator on its
 * output, the scores attached to the item's recorded request as feedback,
 * and the result stored at once, so a run resumed after a restart (or on
 * another process once the lease has lapsed) does only what is left.
 */
export class EvaluationRunner {
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private closed = false;

  constructor(private readonly options: EvaluationRunnerOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? abortableSleep;
  }

  /** Claims the run and starts it in the background; false when another process holds it or it is complete. */
  async start(run: EvaluationRun, origin: string): Promise<boolean> {
    if (this.closed || this.active.has(run.id)) return false;
    const claimed = await this.options.store.claimRun(run.id, new Date(this.now() + this.options.leaseMs), new Date(this.now()));
    if (!claimed) return false;
    const controller = new AbortController();
    const done = this.execute(run, origin, controller.signal).finally(() => this.active.delete(run.id));
    this.active.set(run.id, { controller, done });
    return true;
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** Resolves when the run is no longer running in this process. */
  async whenSettled(runId: string): Promise<void> {
    await this.active.get(runId)?.done;
  }

  /** Stops every run, leaving each `interrupted` to be resumed. */
  async close(): Promise<void> {
    this.closed = true;
    for (const { controller } of this.active.values()) controller.abort(new Error('The evaluation runner is closing.'));
    await Promise.all([...this.active.values()].map(({ done }) => done));
  }

  private async execute(run: EvaluationRun, origin: string, signal: AbortSignal): Promise<void> {
    const { store, logger } = this.options;
    const renewal = setInterval(
      () => {
        store.renewLease(run.id, new Date(this.now() + this.options.leaseMs)).catch((error: unknown) => {
          logger?.warn({ err: error, run: run.id }, 'evaluation-lease-renewal-failed');
        });
      },
      Math.max(1_000, Math.floor(this.options.leaseMs / 3)),
    );
    renewal.unref();
    let gateway: RunGateway | undefined;
    try {
      const done = new Set((await store.listResults(run.id)).map((result) => result.itemId));
      const pending = (await store.listItems(run.dataset)).filter((item) => !done.has(item.id));
      const evaluators = run.evaluators.map(createEvaluator);
      gateway = await this.options.openGateway(run, origin);
      const runGateway = gateway;
      let fatal: GatewayCallError | undefined;
      const workerSignal = new AbortController();
      const signals = AbortSignal.any([signal, workerSignal.signal]);
      let next = 0;
      const worker = async () => {
        while (next < pending.length && !signals.aborted) {
          const item = pending[next++];
          try {
            const result = await this.evaluateItem(run, item, evaluators, runGateway.client, signals);
            await store.saveResult(run.id, result);
          } catch (error) {
            if (signals.aborted) return;
            if (error instanceof GatewayCallError && RUN_FATAL_STATUSES.has(error.status)) {
              fatal = error;
              workerSignal.abort(error);
              return;
            }
            throw error;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(run.concurrency, Math.max(1, pending.length)) }, worker));
      if (fatal) {
        await store.finishRun(run.id, 'failed', new Date(this.now()), `The gateway refused the run's calls: ${fatal.message}`);
      } else if (signal.aborted) {
        await store.finishRun(run.id, 'interrupted', new Date(this.now()));
      } else {
        await store.finishRun(run.id, 'completed', new Date(this.now()));
      }
    } catch (error) {
      logger?.error({ err: error, run: run.id }, 'evaluation-run-failed');
      const status = signal.aborted ? 'interrupted' : 'failed';
      await store
        .finishRun(run.id, status, new Date(this.now()), status === 'failed' ? 'The run failed; see the server log.' : undefined)
        .catch((finishing: unknown) => logger?.error({ err: finishing, run: run.id }, 'evaluation-run-finish-failed'));
    } finally {
      clearInterval(renewal);
      await gateway?.release().catch((error: unknown) => logger?.warn({ err: error, run: run.id }, 'evaluation-gateway-release-failed'));
    }
  }

  /** One item: its answer (retried while the gateway is busy), every evaluator's score, each score sent as feedback. */
  private async evaluateItem(
    run: EvaluationRun,
    item: DatasetItem,
    evaluators: Evaluator[],
    gateway: GatewayClient,
    signal: AbortSignal,
  ): Promise<ItemResult> {
    let answer: { requestId: string; content: string } | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        answer = await gateway.chat(chatBody(run, item), itemHeaders(run, item), signal);
        break;
      } catch (error) {
        if (!(error instanceof GatewayCallError)) throw error;
        if (RUN_FATAL_STATUSES.has(error.status)) throw error;
        if (!error.retryable || attempt >= this.options.maxAttempts) return { itemId: item.id, error: error.message, scores: {} };
        await this.sleep(Math.min(5_000, 250 * 2 ** (attempt - 1)), signal);
      }
    }
    const testCase = {
      runId: run.id,
      itemId: item.id,
      input: item.input,
      expectedOutput: item.expectedOutput,
      metadata: item.metadata,
      output: answer.content,
    };
    const context = {
      gateway,
      allowPrivateWebhooks: this.options.allowPrivateWebhooks,
      webhookTimeoutMs: this.options.webhookTimeoutMs,
      signal,
    };
    const scores: Record<string, ItemScore> = {};
    await Promise.all(
      evaluators.map(async (evaluator) => {
        try {
          scores[evaluator.spec.name] = await evaluator.evaluate(testCase, context);
        } catch (error) {
          if (signal.aborted) throw error;
          scores[evaluator.spec.name] = { error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    if (answer.requestId !== '') {
      for (const [name, score] of Object.entries(scores)) {
        if (score.score === undefined) continue;
        await gateway.feedback({ requestId: answer.requestId, name, value: score.score, comment: score.reason }, signal).catch((error: unknown) => {
          if (signal.aborted) throw error;
          this.options.logger?.warn({ run: run.id, item: item.id, reason: (error as Error).message }, 'evaluation-feedback-failed');
        });
      }
    }
    return { itemId: item.id, requestId: answer.requestId || undefined, output: answer.content, scores };
  }
}

/**
 * The chat request for an item: with a prompt, the prompt reference with the
 * item's input as its variables (the gateway renders it and records the
 * version); without, the input as the messages (a text is one user message).
 */
export function chatBody(run: EvaluationRun, item: DatasetItem): Record<string, unknown> {
  if (run.prompt) {
    const variables = typeof item.input === 'object' && item.input !== null && !Array.isArray(item.input) ? item.input : {};
    return { model: run.model, prompt: { name: run.prompt.name, version: run.prompt.version, variables } };
  }
  return { model: run.model, messages: messagesOf(item.input) };
}

function messagesOf(input: unknown): unknown[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (Array.isArray(input)) return input;
  if (typeof input === 'object' && input !== null && Array.isArray((input as { messages?: unknown }).messages))
    return (input as { messages: unknown[] }).messages;
  return [{ role: 'user', content: JSON.stringify(input) }];
}

function itemHeaders(run: EvaluationRun, item: DatasetItem): Record<string, string> {
  return {
    // Unique per try: a resumed item is a new request, not a second record under the same id.
    'x-request-id': `${run.id}.${item.id}.${randomBytes(3).toString('hex')}`,
    'x-switchyard-session-id': run.id,
    'x-switchyard-tags': 'evaluation',
  };
}

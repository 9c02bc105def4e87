import type { SqlClient } from '@switchyard/database';
import type { GovernanceStore } from '../../storage/governance-store';
import { EvaluationRunner } from '../evaluation-runner';
import { EvaluationStore } from '../evaluation-store';
import { createEvaluationsRouter } from '../evaluations-router';
import type { ChatAnswer, GatewayClient } from '../gateway-client';
import type { PromptLabels } from '../prompt-labels';

/**
 * A gateway as the runner sees it, answering in process: each item's answer
 * comes from `answer`, and while `hold` is set the answers after the first
 * `hold.after` wait for `hold.released`. It keeps every call and score.
 */
export class InProcessGateway implements GatewayClient {
  readonly chats: Array<{ body: Record<string, unknown>; headers: Record<string, string> }> = [];
  readonly scores: Array<{ requestId: string; name: string; value: number }> = [];
  hold?: { after: number; released: Promise<void> };

  constructor(private readonly answer: (body: Record<string, unknown>) => string) {}

  async chat(body: Record<string, unknown>, headers: Record<string, string>, signal: AbortSignal): Promise<ChatAnswer> {
    this.chats.push({ body, headers });
    if (this.hold && this.chats.length > this.hold.after) {
      await Promise.race([
        this.hold.released,
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })),
      ]);
    }
    return { requestId: headers['x-request-id'], content: this.answer(body) };
  }

  async embed(): Promise<number[][]> {
    throw new Error('No embeddings here.');
  }

  async feedback(score: { requestId: string; name: string; value: number }): Promise<void> {
    this.scores.push(score);
  }
}

/** Prompt labels in memory, as the prompt store keeps them: a label points at one version. */
export class InMemoryPromptLabels implements PromptLabels {
  readonly labels = new Map<string, number>();

  async versionOf(workspace: string, name: string, label: string): Promise<number | undefined> {
    return this.labels.get(`${workspace}/${name}/${label}`);
  }

  async move(workspace: string, name: string, label: string, version: number): Promise<void> {
    this.labels.set(`${workspace}/${name}/${label}`, version);
  }

  set(workspace: string, name: string, label: string, version: number): void {
    this.labels.set(`${workspace}/${name}/${label}`, version);
  }
}

/** The evaluation routes over `client`, with runs answered by `gateway`, and prompt labels in memory unless given. */
export function inProcessEvaluations(
  client: SqlClient,
  governance: GovernanceStore,
  gateway: GatewayClient = new InProcessGateway(() => 'ok'),
  prompts: PromptLabels = new InMemoryPromptLabels(),
) {
  const store = new EvaluationStore(client);
  const runner = new EvaluationRunner({
    store,
    openGateway: async () => ({ client: gateway, release: async () => undefined }),
    leaseMs: 30_000,
    maxAttempts: 1,
    webhookTimeoutMs: 1_000,
    allowPrivateWebhooks: false,
  });
  const router = createEvaluationsRouter({
    governance,
    store,
    runner,
    prompts,
    maxDatasetItems: 100,
    defaultConcurrency: 2,
    maxConcurrency: 4,
    allowPrivateWebhooks: false,
  });
  return { store, prompts, runner, router };
}

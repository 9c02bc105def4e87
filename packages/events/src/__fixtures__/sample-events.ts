import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { eventsV1 } from '@switchyard/proto';
import pino from 'pino';
import type { SwitchyardEvent } from '../switchyard-event';

/**
 * Events for tests: number `index` of a run tagged `run`. Even indexes are
 * RequestCompleted, odd ones CostRecorded, so both topics are covered; the
 * event id is `<run>-<index>`.
 */
export function sampleEvent(run: string, index: number): SwitchyardEvent {
  const common = {
    eventId: `${run}-${index}`,
    occurredAt: timestampFromDate(new Date(Date.UTC(2025, 0, 1, 0, 0, 0, index))),
    requestId: `request-${Math.floor(index / 2)}`,
    workspace: `workspace-${index % 3}`,
    keyId: 'key-1',
    user: 'user-1',
    tokens: create(eventsV1.TokenCountsSchema, { input: 100 + index, output: 20, cachedInput: 5 }),
  };
  if (index % 2 === 0) {
    return {
      kind: 'request-completed',
      event: create(eventsV1.RequestCompletedSchema, {
        ...common,
        operation: eventsV1.Operation.CHAT_COMPLETION,
        requestedModel: 'gpt-4o-mini',
        servedModel: 'gpt-4o-mini-2024-07-18',
        provider: 'openai',
        deployment: 'openai/gpt-4o-mini',
        routePath: 'targets[0]',
        attempts: 1,
        status: eventsV1.RequestStatus.SUCCEEDED,
        httpStatus: 200,
        latencyMs: 123.5,
        costUsd: 0.000123,
        cacheStatus: eventsV1.CacheStatus.DISABLED,
        metadata: { team: 'search', index: String(index) },
        finishReason: 'stop',
      }),
    };
  }
  return {
    kind: 'cost-recorded',
    event: create(eventsV1.CostRecordedSchema, {
      ...common,
      provider: 'openai',
      model: 'gpt-4o-mini',
      inputCostUsd: 0.0001,
      outputCostUsd: 0.00002,
      totalCostUsd: 0.00012,
      priceSource: 'config',
    }),
  };
}

export function sampleEvents(run: string, count: number, from = 0): SwitchyardEvent[] {
  return Array.from({ length: count }, (_, offset) => sampleEvent(run, from + offset));
}

export const eventIdOf = (item: SwitchyardEvent): string => item.event.eventId;

/** A real pino logger whose lines are kept, parsed, for assertions. */
export function capturingLogger(level = 'debug') {
  const lines: Array<Record<string, unknown> & { msg?: string; level?: number }> = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** Resolves when `condition` holds, checking every 10 ms; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The value of one series of a metric in `registry` (0 when the series does not exist yet). */
export async function metricValue(registry: import('prom-client').Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`No metric ${name} in the registry.`);
  const { values } = await metric.get();
  const series = values.find((value) => Object.entries(labels).every(([label, expected]) => String(value.labels[label]) === expected));
  return series?.value ?? 0;
}

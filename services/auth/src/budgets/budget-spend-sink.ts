import type { EventPublisher, EventSink, SwitchyardEvent } from '@switchyard/events';
import type { Logger } from '@switchyard/shared';
import type { BudgetService } from './budget-service';

/**
 * Feeds budgets from the request events (`RequestCompleted.cost_usd`): their
 * real costs, as the gateway priced them. In one process it is a sink of the in-process
 * bus; in distributed mode every gateway wraps its own publisher
 * (`withBudgetSpend`), so each adds what it served, in Redis.
 */
export class BudgetSpendSink implements EventSink {
  readonly name = 'budgets';

  constructor(
    private readonly budgets: BudgetService,
    private readonly logger: Logger,
    private readonly onFailure: () => void = () => {},
  ) {}

  /** Never rejects: a retried batch would count its costs twice. A failure is logged and counted. */
  async writeBatch(events: readonly SwitchyardEvent[]): Promise<void> {
    const spends: Array<Promise<void>> = [];
    for (const item of events) if (item.kind === 'request-completed' && item.event.costUsd > 0) spends.push(this.record(item));
    await Promise.all(spends);
  }

  /** Publishes through `publisher`, and records the spend of each priced request on the side. */
  withBudgetSpend(publisher: EventPublisher): EventPublisher {
    return {
      publish: (event) => {
        publisher.publish(event);
        if (event.kind === 'request-completed' && event.event.costUsd > 0) void this.record(event);
      },
      close: () => publisher.close(),
    };
  }

  private async record(item: Extract<SwitchyardEvent, { kind: 'request-completed' }>): Promise<void> {
    const { event } = item;
    try {
      const at = event.occurredAt ? new Date(Number(event.occurredAt.seconds) * 1000 + Math.floor(event.occurredAt.nanos / 1e6)) : new Date();
      await this.budgets.recordSpend({ keyId: event.keyId, workspace: event.workspace, user: event.user, costUsd: event.costUsd, at });
    } catch (error) {
      this.onFailure();
      this.logger.warn({ requestId: event.requestId, err: error }, 'budget-spend-not-recorded');
    }
  }
}

import type { DeadLetter, DeadLetterSink, EventSink, SwitchyardEvent } from '@switchyard/events';
import { LocalObservabilityService, type EventDatabase } from '@switchyard/observability';
import {
  GatewayError,
  type AlertHistoryEntry,
  type AlertHistoryQuery,
  type AlertRuleStatus,
  type AnalyticsQuery,
  type AnalyticsResult,
  type CallContext,
  type DeleteUserDataQuery,
  type DeletedUserData,
  type FeedbackInput,
  type FeedbackRecord,
  type WorkspaceScope,
  type ListRequestsQuery,
  type ListTracesQuery,
  type TracePage,
  type TraceRecord,
  type ObservabilityQueryService,
  type RequestPage,
  type RequestRecord,
  type UsageQuery,
  type UsageRow,
} from '@switchyard/shared';

interface OpenedDatabase {
  database: EventDatabase;
  queries: LocalObservabilityService;
}

/**
 * The embedded event database while it opens (a first start runs initdb,
 * a few seconds): the gateway serves traffic at once, events wait on the
 * bus, and queries wait for the database. If it cannot be opened, writes
 * keep failing (the bus retries and counts) and queries answer 503.
 *
 * Given a function rather than a promise, it opens at first need (a write,
 * a query, `ready` or `client`): records in memory start empty, so nothing
 * is there to read before this process writes, and an idle gateway does not
 * hold the database's memory (initdb and the WebAssembly heap, ~150 MiB).
 */
export class OpeningEventDatabase implements EventSink, DeadLetterSink, ObservabilityQueryService {
  readonly name = 'postgres';
  private opening: Promise<OpenedDatabase> | undefined;
  private readonly open: () => Promise<OpenedDatabase>;
  /** Settles with the opening, without starting it. */
  private readonly settled: Promise<OpenedDatabase>;

  constructor(opening: Promise<EventDatabase> | (() => Promise<EventDatabase>), bounds: { statementTimeoutMs?: number } = {}) {
    let settle: (opened: Promise<OpenedDatabase>) => void = () => undefined;
    this.settled = new Promise((resolve) => (settle = resolve));
    this.open = () => {
      const opened = (typeof opening === 'function' ? Promise.resolve().then(opening) : opening).then((database) => ({
        database,
        queries: new LocalObservabilityService(database.client, bounds),
      }));
      settle(opened);
      return opened;
    };
    // Callers learn of a failure through `ready` or their own call; never as an unhandled rejection.
    this.settled.catch(() => undefined);
    if (typeof opening !== 'function') void this.opened();
  }

  /** Opens the database if it is not yet open or opening; resolves when it is open. */
  private opened(): Promise<OpenedDatabase> {
    this.opening ??= this.open();
    return this.opening;
  }

  /** Resolves when the database is open (opening it if it opens at first need); rejects with the reason it could not be. */
  get ready(): Promise<void> {
    return this.opened().then(() => undefined);
  }

  /** Resolves when the database has opened, without opening it; rejects with the reason it could not be. */
  get whenOpen(): Promise<void> {
    return this.settled.then(() => undefined);
  }

  async writeBatch(events: readonly SwitchyardEvent[]): Promise<void> {
    await (await this.opened()).database.store.writeBatch(events);
  }

  async writeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    await (await this.opened()).database.deadLetters.writeDeadLetters(letters);
  }

  async listRequests(query: ListRequestsQuery, context: CallContext): Promise<RequestPage> {
    return (await this.queries()).listRequests(query, context);
  }

  async getRequest(requestId: string, context: CallContext, scope?: WorkspaceScope): Promise<RequestRecord | undefined> {
    return (await this.queries()).getRequest(requestId, context, scope);
  }

  async deleteUserData(query: DeleteUserDataQuery, context: CallContext): Promise<DeletedUserData> {
    return (await this.queries()).deleteUserData(query, context);
  }

  /** The database once open (opening it if it opens at first need), for the governance tables and retention. */
  get client(): Promise<EventDatabase['client']> {
    return this.opened().then(({ database }) => database.client);
  }

  async usage(query: UsageQuery, context: CallContext): Promise<UsageRow[]> {
    return (await this.queries()).usage(query, context);
  }

  async listAlertRules(scope: WorkspaceScope, context: CallContext): Promise<AlertRuleStatus[]> {
    return (await this.queries()).listAlertRules(scope, context);
  }

  async alertHistory(query: AlertHistoryQuery, context: CallContext): Promise<AlertHistoryEntry[]> {
    return (await this.queries()).alertHistory(query, context);
  }

  async getTrace(traceId: string, context: CallContext, scope?: WorkspaceScope): Promise<TraceRecord | undefined> {
    return (await this.queries()).getTrace(traceId, context, scope);
  }

  async listTraces(query: ListTracesQuery, context: CallContext): Promise<TracePage> {
    return (await this.queries()).listTraces(query, context);
  }

  // Analytics and feedback.
  async analytics(query: AnalyticsQuery, context: CallContext): Promise<AnalyticsResult> {
    return (await this.queries()).analytics(query, context);
  }

  async recordFeedback(input: FeedbackInput, context: CallContext): Promise<FeedbackRecord | undefined> {
    return (await this.queries()).recordFeedback(input, context);
  }

  /** Closes the database once it is open; nothing to close if it never opened. */
  async close(): Promise<void> {
    const opened = await this.opening?.catch(() => undefined);
    await opened?.database.close();
  }

  private async queries(): Promise<LocalObservabilityService> {
    try {
      return (await this.opened()).queries;
    } catch (error) {
      throw new GatewayError(`The records database could not be opened: ${(error as Error).message}`, {
        status: 503,
        errorClass: 'unavailable',
        code: 'records_unavailable',
        cause: error,
      });
    }
  }
}

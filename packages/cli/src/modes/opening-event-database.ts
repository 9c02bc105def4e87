import type { DeadLetter, DeadLetterSink, EventSink, SwitchyardEvent } from '@switchyard/events';
import { LocalObservabilityService, type EventDatabase } from '@switchyard/observability';
import {
  GatewayError,
  type CallContext,
  type DeleteUserDataQuery,
  type DeletedUserData,
  type WorkspaceScope,
  type ListRequestsQuery,
  type ObservabilityQueryService,
  type RequestPage,
  type RequestRecord,
  type UsageQuery,
  type UsageRow,
} from '@switchyard/shared';

/**
 * The embedded event database while it opens (a first start runs initdb,
 * a few seconds): the gateway serves traffic at once, events wait on the
 * bus, and queries wait for the database. If it cannot be opened, writes
 * keep failing (the bus retries and counts) and queries answer 503.
 */
export class OpeningEventDatabase implements EventSink, DeadLetterSink, ObservabilityQueryService {
  readonly name = 'postgres';
  private readonly opened: Promise<{ database: EventDatabase; queries: LocalObservabilityService }>;

  constructor(opening: Promise<EventDatabase>, bounds: { statementTimeoutMs?: number } = {}) {
    this.opened = opening.then((database) => ({ database, queries: new LocalObservabilityService(database.client, bounds) }));
    // Callers learn of a failure through `ready` or their own call; never as an unhandled rejection.
    this.opened.catch(() => undefined);
  }

  /** Resolves when the database is open; rejects with the reason it could not be. */
  get ready(): Promise<void> {
    return this.opened.then(() => undefined);
  }

  async writeBatch(events: readonly SwitchyardEvent[]): Promise<void> {
    await (await this.opened).database.store.writeBatch(events);
  }

  async writeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    await (await this.opened).database.deadLetters.writeDeadLetters(letters);
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

  /** The database once open, for jobs that run over it (retention). */
  get client(): Promise<EventDatabase['client']> {
    return this.opened.then(({ database }) => database.client);
  }

  async usage(query: UsageQuery, context: CallContext): Promise<UsageRow[]> {
    return (await this.queries()).usage(query, context);
  }

  /** Closes the database once it is open; nothing to close if it never opened. */
  async close(): Promise<void> {
    const opened = await this.opened.catch(() => undefined);
    await opened?.database.close();
  }

  private async queries(): Promise<LocalObservabilityService> {
    try {
      return (await this.opened).queries;
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

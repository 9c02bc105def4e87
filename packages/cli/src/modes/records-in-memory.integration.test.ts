import { openEventDatabase, type EventDatabase } from '@switchyard/observability';
import { configSchema, GatewayError, type CallContext } from '@switchyard/shared';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';
import { capturingLogger, waitFor } from '../../../events/src/__fixtures__/sample-events';
import { startEmbedded, type EmbeddedGateway } from './embedded';
import { OpeningEventDatabase } from './opening-event-database';

jest.setTimeout(120_000);

/**
 * Records in memory (`memory://`) open at first need: an idle one-process
 * gateway holds no embedded database, and the first write, query or
 * `ready` opens it, once.
 */

const CALL: CallContext = { requestId: 'records-in-memory', signal: new AbortController().signal };

describe('OpeningEventDatabase given a function', () => {
  const opened: EventDatabase[] = [];
  let opens = 0;
  const openInMemory = () => {
    opens += 1;
    return openEventDatabase({ pgliteDataDir: 'memory://' }).then((database) => {
      opened.push(database);
      return database;
    });
  };

  beforeEach(() => {
    opens = 0;
  });

  afterAll(async () => {
    await Promise.all(opened.map((database) => database.close()));
  });

  it('does not open the database until something needs it, and closes without opening it', async () => {
    const database = new OpeningEventDatabase(openInMemory);
    let settled = false;
    database.whenOpen.then(
      () => (settled = true),
      () => (settled = true),
    );
    await database.close();
    expect(opens).toBe(0);
    expect(settled).toBe(false);
  });

  it('opens it once for concurrent callers, and `whenOpen` then resolves', async () => {
    const database = new OpeningEventDatabase(openInMemory);
    try {
      const [, client, page] = await Promise.all([database.ready, database.client, database.listRequests({ filter: {}, limit: 10 }, CALL)]);
      expect(opens).toBe(1);
      await expect(database.whenOpen).resolves.toBeUndefined();
      expect(await client.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      expect(page.requests).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('answers 503 to queries and rejects `whenOpen` when the database cannot be opened', async () => {
    const database = new OpeningEventDatabase(() => Promise.reject(new Error('no space left on device')));
    const query = database.getRequest('nothing', CALL);
    await expect(query).rejects.toBeInstanceOf(GatewayError);
    await expect(query).rejects.toMatchObject({ status: 503, code: 'records_unavailable' });
    await expect(database.whenOpen).rejects.toThrow('no space left on device');
    await expect(database.ready).rejects.toThrow('no space left on device');
  });
});

describe('one process with records in memory', () => {
  let upstream: MockOpenAIUpstream | undefined;
  let gateway: EmbeddedGateway | undefined;

  afterEach(async () => {
    await gateway?.close(100);
    await upstream?.close();
  });

  it('opens its records with the first request, records it, and then runs the retention job', async () => {
    upstream = await startMockOpenAIUpstream();
    const config = configSchema.parse({
      server: { host: '127.0.0.1', port: 0 },
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
      events: { lingerMs: 5 },
      observability: { dataDirectory: 'memory://', retentionDays: 30 },
    });
    const { logger, lines } = capturingLogger('info');
    gateway = await startEmbedded(config, logger);
    const requestId = 'records-in-memory-first';
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Invent a holiday.' }] }),
    });
    expect(response.status).toBe(200);
    await response.text();
    // Opened by the request's events, not by this test (`recordsOpened` does not open them).
    await gateway.recordsOpened;
    await gateway.flushEvents();
    const listed = await fetch(`${gateway.url}/v1/requests/${requestId}`);
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({ id: requestId, status: 'succeeded' });
    // The retention job starts once the records are open (it does not open them itself).
    await waitFor(() => lines.some((line) => line.msg === 'retention-purged'), 30_000, 'the first purge');
  });
});

import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { eventsV1 } from '@switchyard/proto';
import { GatewayError, createLogger, type CallContext, type ListRequestsQuery, type RequestRecord } from '@switchyard/shared';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_URL, requireS3 } from '../../../../test/support/infrastructure';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { requestCompleted, requestEvent, timestamp } from '../storage/__fixtures__/events';
import { LocalObservabilityService } from '../local-observability-service';
import { ColdStorageQueries } from './cold-storage-queries';
import { ColdStorageJob } from './cold-storage-job';
import { exportColdRecords } from './export-cold-records';
import type { ObjectStore } from './object-store';
import { S3ObjectStore } from './s3-object-store';

jest.setTimeout(120_000);

const context = (): CallContext => ({ requestId: 'test-call', signal: new AbortController().signal });
const PREFIX = 'cold-test/';
const BEFORE = new Date('2025-02-01T05:00:00Z');
/** Wide enough for every record below, within a query's widest window of other settings. */
const EVERYTHING = { from: new Date('2024-12-31T00:00:00Z'), to: new Date('2025-03-02T00:00:00Z') };

/** Records of two workspaces over three days before BEFORE's day, and one after it. */
function records() {
  return [
    requestCompleted({ eventId: 'e-01', requestId: 'r-01', workspace: 'acme', user: 'alice', occurredAt: timestamp('2025-01-01T09:00:00.000001Z') }),
    requestCompleted({
      eventId: 'e-02',
      requestId: 'r-02',
      workspace: 'acme',
      occurredAt: timestamp('2025-01-01T10:30:00.123456Z'),
      servedModel: 'claude-haiku',
      provider: 'anthropic',
      latencyMs: 95.5,
    }),
    requestCompleted({
      eventId: 'e-03',
      requestId: 'r-03',
      workspace: 'acme',
      occurredAt: timestamp('2025-01-01T23:59:59.999999Z'),
      metadata: { note: 'ünïcödé, "quoted"\nline' },
    }),
    requestCompleted({
      eventId: 'e-04',
      requestId: 'r-04',
      workspace: 'acme',
      occurredAt: timestamp('2025-01-02T00:00:00Z'),
      tokens: undefined,
      latencyMs: 2000,
    }),
    requestCompleted({ eventId: 'e-05', requestId: 'r-05', workspace: 'globex', user: 'alice', occurredAt: timestamp('2025-01-01T12:00:00Z') }),
    requestCompleted({
      eventId: 'e-06',
      requestId: 'r-06',
      workspace: 'acme',
      user: 'alice',
      occurredAt: timestamp('2025-01-31T23:59:59.999999Z'),
      status: eventsV1.RequestStatus.FAILED,
      httpStatus: 502,
    }),
    // After the cut-off (BEFORE rounds down to 2025-02-01T00:00Z): stays in the table.
    requestCompleted({ eventId: 'e-07', requestId: 'r-07', workspace: 'acme', user: 'alice', occurredAt: timestamp('2025-02-01T00:00:00Z') }),
    requestCompleted({ eventId: 'e-08', requestId: 'r-08', workspace: 'globex', occurredAt: timestamp('2025-03-01T08:00:00Z') }),
  ];
}

describe.each(DATABASE_KINDS)('cold storage on %s and a real S3-compatible server', (kind) => {
  let database: TestDatabase;
  let s3: S3Client;
  let bucket: string;
  let store: S3ObjectStore;
  const stores: ObjectStore[] = [];

  beforeAll(async () => {
    await requireS3();
    s3 = new S3Client({
      endpoint: S3_URL,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
    });
    bucket = `switchyard-cold-${randomBytes(5).toString('hex')}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    database = await openTestDatabase(kind);
  });

  beforeEach(async () => {
    await emptyBucket();
    await database.client.exec('TRUNCATE requests, cold_storage_objects, cold_storage_request_ids');
    await database.store.writeBatch(records().map(requestEvent));
    store = s3Store(bucket);
  });

  afterEach(() => {
    for (const opened of stores.splice(0)) opened.close();
  });

  afterAll(async () => {
    await database?.dispose();
    if (s3 !== undefined && bucket !== undefined) {
      await emptyBucket().catch(() => undefined);
      await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
      s3.destroy();
    }
  });

  function s3Store(bucketName: string, endpoint = S3_URL): S3ObjectStore {
    const opened = new S3ObjectStore({
      bucket: bucketName,
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
    });
    stores.push(opened);
    return opened;
  }

  async function bucketKeys(): Promise<string[]> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (listed.Contents ?? []).map((object) => object.Key!).sort();
  }

  async function emptyBucket(): Promise<void> {
    const keys = await bucketKeys();
    if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
  }

  async function tableEventIds(): Promise<string[]> {
    const rows = await database.client.query<{ event_id: string }>('SELECT event_id FROM requests ORDER BY event_id');
    return rows.map((row) => row.event_id);
  }

  async function manifestKeys(): Promise<string[]> {
    const rows = await database.client.query<{ object_key: string }>('SELECT object_key FROM cold_storage_objects ORDER BY object_key');
    return rows.map((row) => row.object_key);
  }

  function queryService(reader = new ColdStorageQueries(store, { maxRecordsPerQuery: 1_000 })) {
    return new LocalObservabilityService(database.client, { coldStorage: reader });
  }

  async function allPages(service: LocalObservabilityService, query: ListRequestsQuery): Promise<RequestRecord[]> {
    const records: RequestRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.listRequests({ ...query, cursor }, context());
      records.push(...page.requests);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return records;
  }

  it('moves each workspace-day before the cut-off day to a gzip JSONL object and deletes its records from the table', async () => {
    expect(await exportColdRecords(database.client, store, { before: BEFORE, prefix: PREFIX, maxRecordsPerObject: 1_000 })).toEqual({
      objects: 4,
      records: 6,
    });
    expect(await tableEventIds()).toEqual(['e-07', 'e-08']);
    const keys = await manifestKeys();
    expect(await bucketKeys()).toEqual(keys);
    expect(keys.map((key) => key.replace(/\/[^/]+$/, ''))).toEqual([
      'cold-test/requests/workspace=acme/day=2025-01-01',
      'cold-test/requests/workspace=acme/day=2025-01-02',
      'cold-test/requests/workspace=acme/day=2025-01-31',
      'cold-test/requests/workspace=globex/day=2025-01-01',
    ]);

    // What any JSONL reader sees: gzip, one event a line in protobuf's JSON, oldest first.
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: keys[0] }));
    const lines = gunzipSync(Buffer.from(await object.Body!.transformToByteArray()))
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line.eventId, line.occurredAt, line.workspace])).toEqual([
      ['e-01', '2025-01-01T09:00:00.000001Z', 'acme'],
      ['e-02', '2025-01-01T10:30:00.123456Z', 'acme'],
      ['e-03', '2025-01-01T23:59:59.999999Z', 'acme'],
    ]);
    expect(lines[2].metadata).toEqual({ note: 'ünïcödé, "quoted"\nline' });
    expect(lines[1]).toMatchObject({ status: 'REQUEST_STATUS_SUCCEEDED', provider: 'anthropic', latencyMs: 95.5 });

    const [manifest] = await database.client.query<{ records: string | number; workspace: string; day: string }>(
      `SELECT records, workspace, to_char(day, 'YYYY-MM-DD') AS day FROM cold_storage_objects WHERE object_key = $1`,
      [keys[0]],
    );
    expect({ ...manifest, records: Number(manifest.records) }).toEqual({ records: 3, workspace: 'acme', day: '2025-01-01' });
  });

  it('reads exported records back: pages, one record by id, and usage are what they were before the export', async () => {
    const service = queryService();
    const everything: ListRequestsQuery = { filter: EVERYTHING, limit: 3 };
    const before = {
      pages: await allPages(service, everything),
      acme: await allPages(service, { filter: { ...EVERYTHING, workspace: 'acme', model: 'claude-haiku' } }),
      failed: await allPages(service, { filter: { ...EVERYTHING, status: 'failed' }, scope: ['acme'] }),
      record: await service.getRequest('r-02', context(), ['acme']),
      usageByDay: await service.usage({ filter: EVERYTHING, groupBy: 'day' }, context()),
      usageByModel: await service.usage({ filter: EVERYTHING, scope: ['acme'], groupBy: 'model' }, context()),
    };
    expect(before.pages.map((record) => record.eventId)).toEqual(['e-08', 'e-07', 'e-06', 'e-04', 'e-03', 'e-05', 'e-02', 'e-01']);
    expect(before.acme.map((record) => record.eventId)).toEqual(['e-02']);
    expect(before.failed.map((record) => record.eventId)).toEqual(['e-06']);

    await exportColdRecords(database.client, store, { before: BEFORE, prefix: PREFIX, maxRecordsPerObject: 2 });
    expect(await tableEventIds()).toEqual(['e-07', 'e-08']);

    expect(await allPages(service, everything)).toEqual(before.pages);
    expect(await allPages(service, { filter: { ...EVERYTHING, workspace: 'acme', model: 'claude-haiku' } })).toEqual(before.acme);
    expect(await allPages(service, { filter: { ...EVERYTHING, status: 'failed' }, scope: ['acme'] })).toEqual(before.failed);
    expect(await service.getRequest('r-02', context(), ['acme'])).toEqual(before.record);
    expect(await service.usage({ filter: EVERYTHING, groupBy: 'day' }, context())).toEqual(before.usageByDay);
    expect(await service.usage({ filter: EVERYTHING, scope: ['acme'], groupBy: 'model' }, context())).toEqual(before.usageByModel);

    // Scoped like the table: another workspace's exported record is neither listed nor found.
    expect(await service.getRequest('r-02', context(), ['globex'])).toBeUndefined();
    expect((await allPages(service, { filter: EVERYTHING, scope: ['globex'] })).map((record) => record.eventId)).toEqual(['e-08', 'e-05']);
    // A time range that does not reach the exported days reads only the table.
    expect((await allPages(service, { filter: { from: new Date('2025-02-01T00:00:00Z') } })).map((record) => record.eventId)).toEqual([
      'e-08',
      'e-07',
    ]);
    // Without cold storage the exported records are gone from the query.
    const tableOnly = new LocalObservabilityService(database.client);
    expect((await allPages(tableOnly, everything)).map((record) => record.eventId)).toEqual(['e-08', 'e-07']);
  });

  it('fetches each object once while a client pages through exported records', async () => {
    await exportColdRecords(database.client, store, { before: BEFORE, prefix: PREFIX, maxRecordsPerObject: 1 });
    const fetched: string[] = [];
    const counting: ObjectStore = {
      put: (key, body, sha256) => store.put(key, body, sha256),
      get: (key, signal) => {
        fetched.push(key);
        return store.get(key, signal);
      },
      delete: (key) => store.delete(key),
      close: () => undefined,
    };
    const pages = await allPages(queryService(new ColdStorageQueries(counting, { maxRecordsPerQuery: 1_000 })), { filter: EVERYTHING, limit: 2 });
    expect(pages.map((record) => record.eventId)).toEqual(['e-08', 'e-07', 'e-06', 'e-04', 'e-03', 'e-05', 'e-02', 'e-01']);
    expect(fetched.sort()).toEqual(await manifestKeys());
  });

  it("deletes an end user's exported records with the rest of their data, rewriting or removing the objects that held them", async () => {
    await exportColdRecords(database.client, store, { before: BEFORE, prefix: PREFIX, maxRecordsPerObject: 1_000 });
    const exportedKeys = await manifestKeys();
    const service = queryService();

    // alice: e-07 in the table, e-01 (with two others) and e-06 (alone) exported in acme; e-05 exported in globex.
    const deleted = await service.deleteUserData({ user: 'alice', scope: ['acme'] }, context());
    expect(deleted.requests).toBe(3);

    const remaining = await allPages(service, { filter: EVERYTHING });
    expect(remaining.map((record) => record.eventId)).toEqual(['e-08', 'e-04', 'e-03', 'e-05', 'e-02']);
    expect(remaining.filter((record) => record.user === 'alice').map((record) => record.workspace)).toEqual(['globex']);
    expect(await service.getRequest('r-01', context())).toBeUndefined();
    expect(await service.getRequest('r-02', context())).toMatchObject({ eventId: 'e-02' });

    const keys = await manifestKeys();
    expect(await bucketKeys()).toEqual(keys);
    expect(keys).toHaveLength(3);
    // acme's 2025-01-01 object was rewritten (a new key), its 2025-01-31 object removed; the others are as they were.
    expect(keys.filter((key) => exportedKeys.includes(key))).toHaveLength(2);
    expect(keys.some((key) => key.includes('workspace=acme/day=2025-01-31'))).toBe(false);
    const [rewritten] = await database.client.query<{ records: string | number }>(
      `SELECT records FROM cold_storage_objects WHERE workspace = 'acme' AND day = '2025-01-01'`,
    );
    expect(Number(rewritten.records)).toBe(2);

    // Deleting again finds nothing more.
    expect((await service.deleteUserData({ user: 'alice', scope: ['acme'] }, context())).requests).toBe(0);
  });

  it('exports what is afterDays old on schedule, and removes exported objects past retentionDays', async () => {
    const job = new ColdStorageJob(database.client, store, {
      afterDays: 30,
      retentionDays: 34,
      prefix: PREFIX,
      maxRecordsPerObject: 1_000,
      logger: createLogger('test', 'silent'),
      // Exports before 2025-01-06; removes objects whose records are all before 2025-01-02.
      now: () => new Date('2025-02-05T00:00:00Z'),
    });
    try {
      expect(await job.exportNow()).toEqual({ objects: 3, records: 5 });
    } finally {
      await job.stop();
    }
    expect(await tableEventIds()).toEqual(['e-06', 'e-07', 'e-08']);
    const keys = await manifestKeys();
    expect(keys.map((key) => key.replace(/\/[^/]+$/, ''))).toEqual(['cold-test/requests/workspace=acme/day=2025-01-02']);
    expect(await bucketKeys()).toEqual(keys);
    expect((await allPages(queryService(), { filter: EVERYTHING })).map((record) => record.eventId)).toEqual(['e-08', 'e-07', 'e-06', 'e-04']);
  });

  it('exports again idempotently, and an export cut short after its upload is completed by the next one without a duplicate', async () => {
    // The upload succeeds; reading it back for verification fails, so nothing is listed or deleted.
    const failingVerification: ObjectStore = {
      put: (key, body, sha256) => store.put(key, body, sha256),
      get: () => Promise.reject(new Error('connection reset while reading back')),
      delete: (key) => store.delete(key),
      close: () => undefined,
    };
    await expect(
      exportColdRecords(database.client, failingVerification, { before: BEFORE, prefix: PREFIX, maxRecordsPerObject: 1_000 }),
    ).rejects.toThrow('connection reset while reading back');
    expect(await tableEventIds()).toEqual(['e-01', 'e-02', 'e-03', 'e-04', 'e-05', 'e-06', 'e-07', 'e-08']);
    expect(await manifestKeys()).toEqual([]);
    const orphan = await bucketKeys();
    expect(orphan).toHaveLength(1);

    expect(await exportColdRecords(database.client, store, { before: BEFORE, prefix: PREFIX, maxRecordsPerObject: 1_000 })).toEqual({
      objects: 4,
      records: 6,
    });
    // The same records make the same key: the object written before is overwritten, not doubled.
    expect(await manifestKeys()).toContain(orphan[0]);
    expect(await bucketKeys()).toEqual(await manifestKeys());
    expect(await exportColdRecords(database.client, store, { before: BEFORE, prefix: PREFIX, maxRecordsPerObject: 1_000 })).toEqual({
      objects: 0,
      records: 0,
    });
    expect(await manifestKeys()).toHaveLength(4);
    const ids = (await allPages(queryService(), { filter: EVERYTHING })).map((record) => record.eventId);
    expect(ids).toEqual(['e-08', 'e-07', 'e-06', 'e-04', 'e-03', 'e-05', 'e-02', 'e-01']);
  });

  it('leaves the table as it was when the upload fails (no such bucket, server away)', async () => {
    for (const failing of [s3Store(`${bucket}-missing`), s3Store(bucket, 'http://127.0.0.1:1')]) {
      await expect(exportColdRecords(database.client, failing, { before: BEFORE, prefix: PREFIX, maxRecordsPerObject: 1_000 })).rejects.toThrow();
      expect(await tableEventIds()).toEqual(['e-01', 'e-02', 'e-03', 'e-04', 'e-05', 'e-06', 'e-07', 'e-08']);
      expect(await manifestKeys()).toEqual([]);
    }
    expect(await bucketKeys()).toEqual([]);
  });

  it('refuses an object changed since its export (503), and a query reaching more exported records than allowed (400 naming from)', async () => {
    await exportColdRecords(database.client, store, { before: BEFORE, prefix: PREFIX, maxRecordsPerObject: 1_000 });
    const small = queryService(new ColdStorageQueries(store, { maxRecordsPerQuery: 5 }));
    const tooMany = await small.listRequests({ filter: EVERYTHING }, context()).catch((error: unknown) => error);
    expect(tooMany).toBeInstanceOf(GatewayError);
    expect(tooMany).toMatchObject({ status: 400, param: 'from' });
    expect((await small.listRequests({ filter: { ...EVERYTHING, workspace: 'globex' } }, context())).requests).toHaveLength(2);

    const [key] = await manifestKeys();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from('not what was exported') }));
    const changed = await queryService()
      .listRequests({ filter: EVERYTHING }, context())
      .catch((error: unknown) => error);
    expect(changed).toMatchObject({ status: 503, code: 'cold_storage_unavailable' });
    expect((changed as Error).message).toContain(key);
  });
});

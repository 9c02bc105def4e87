import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { openEventDatabase } from '@switchyard/observability';
import { eventsV1 } from '@switchyard/proto';
import { configSchema } from '@switchyard/shared';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_URL, requireS3 } from '../../../../test/support/infrastructure';
import { capturingLogger, waitFor } from '../../../events/src/__fixtures__/sample-events';
import { startEmbedded, type EmbeddedGateway } from './embedded';

jest.setTimeout(180_000);

/**
 * The one process with `observability.coldStorage`: at start it moves records older than `afterDays`
 * from its embedded database to a real S3-compatible server, and the HTTP query API reads them back.
 */
describe('cold storage in the one-process mode', () => {
  let s3: S3Client;
  let bucket: string;
  let dataDirectory: string;
  let gateway: EmbeddedGateway | undefined;

  beforeAll(async () => {
    await requireS3();
    s3 = new S3Client({
      endpoint: S3_URL,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
    });
    bucket = `switchyard-cold-e2e-${randomBytes(5).toString('hex')}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'switchyard-cold-'));
  });

  afterAll(async () => {
    await gateway?.close(100);
    if (dataDirectory !== undefined) await rm(dataDirectory, { recursive: true, force: true });
    if (s3 !== undefined && bucket !== undefined) {
      const keys = await objectKeys().catch(() => []);
      if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
      await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
      s3.destroy();
    }
    delete process.env.SWITCHYARD_TEST_COLD_KEY;
    delete process.env.SWITCHYARD_TEST_COLD_SECRET;
  });

  async function objectKeys(): Promise<string[]> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (listed.Contents ?? []).map((object) => object.Key!).sort();
  }

  const record = (id: string, workspace: string, time: string, servedModel: string) =>
    create(eventsV1.RequestCompletedSchema, {
      eventId: `event-${id}`,
      requestId: id,
      occurredAt: timestampFromDate(new Date(time)),
      workspace,
      requestedModel: 'fast',
      servedModel,
      provider: 'openai',
      status: eventsV1.RequestStatus.SUCCEEDED,
      httpStatus: 200,
      latencyMs: 100,
      tokens: { input: 10, output: 5 },
      costUsd: 0.5,
    });

  it('moves old records to the bucket at start, and /v1/requests, /v1/requests/{id} and /v1/usage read them back', async () => {
    // Records of long ago in the process's own database folder, as an earlier run would have left them.
    const seeded = await openEventDatabase({ pgliteDataDir: dataDirectory });
    try {
      await seeded.store.writeBatch(
        [
          record('old-1', 'default', '2025-01-10T08:00:00Z', 'gpt-4o-mini'),
          record('old-2', 'default', '2025-01-10T09:00:00Z', 'gpt-4o'),
          record('old-3', 'default', '2025-01-11T10:00:00Z', 'gpt-4o-mini'),
        ].map((event) => ({ kind: 'request-completed' as const, event })),
      );
    } finally {
      await seeded.close();
    }

    process.env.SWITCHYARD_TEST_COLD_KEY = S3_ACCESS_KEY_ID;
    process.env.SWITCHYARD_TEST_COLD_SECRET = S3_SECRET_ACCESS_KEY;
    const config = configSchema.parse({
      server: { host: '127.0.0.1', port: 0 },
      observability: {
        dataDirectory,
        coldStorage: {
          bucket,
          endpoint: S3_URL,
          accessKeyId: '${SWITCHYARD_TEST_COLD_KEY}',
          secretAccessKey: '${SWITCHYARD_TEST_COLD_SECRET}',
          afterDays: 30,
        },
      },
    });
    const { logger, lines } = capturingLogger('info');
    gateway = await startEmbedded(config, logger);
    await gateway.recordsReady;
    await waitFor(async () => (await objectKeys()).length === 2, 60_000, 'the two days exported to the bucket');
    expect(await objectKeys()).toEqual([
      expect.stringMatching(/^switchyard\/requests\/workspace=default\/day=2025-01-10\/\d+-[0-9a-f]{16}\.jsonl\.gz$/),
      expect.stringMatching(/^switchyard\/requests\/workspace=default\/day=2025-01-11\//),
    ]);
    await waitFor(() => lines.some((line) => line.msg === 'cold-storage-exported'), 30_000, 'the export logged');
    expect(lines.find((line) => line.msg === 'cold-storage-exported')).toMatchObject({ objects: 2, records: 3 });
    // Nothing of the credentials in what the process logged.
    expect(JSON.stringify(lines)).not.toContain(S3_SECRET_ACCESS_KEY);

    const range = 'from=2025-01-01T00:00:00Z&to=2025-01-31T00:00:00Z';
    const listed = await fetch(`${gateway.url}/v1/requests?${range}`);
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as { data: Array<{ id: string }> };
    expect(page.data.map((item) => item.id)).toEqual(['old-3', 'old-2', 'old-1']);

    const one = await fetch(`${gateway.url}/v1/requests/old-2`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: 'old-2', served_model: 'gpt-4o', workspace: 'default' });

    const usage = await fetch(`${gateway.url}/v1/usage?group_by=day&${range}`);
    expect(usage.status).toBe(200);
    const days = (await usage.json()) as { data: Array<{ group: string; requests: number }> };
    expect(days.data.map((row) => [row.group, row.requests])).toEqual([
      ['2025-01-10', 2],
      ['2025-01-11', 1],
    ]);
  });
});

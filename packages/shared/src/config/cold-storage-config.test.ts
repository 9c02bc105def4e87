import { configSchema } from './config-schema';
import { loadConfig } from './load-config';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

describe('observability.coldStorage', () => {
  const parse = (coldStorage: Record<string, unknown>) => configSchema.safeParse({ observability: { coldStorage } });

  it('is off unless set, and takes its defaults when set', () => {
    expect(configSchema.parse({}).observability.coldStorage).toBeUndefined();
    expect(parse({ bucket: 'records' }).data?.observability.coldStorage).toEqual({
      bucket: 'records',
      prefix: 'switchyard/',
      region: 'us-east-1',
      forcePathStyle: true,
      afterDays: 30,
      intervalMs: 3_600_000,
      maxRecordsPerObject: 50_000,
      maxRecordsPerQuery: 50_000,
    });
  });

  it('names what is wrong: a secret written out, a key without its secret, a prefix without its slash', () => {
    const issues = (coldStorage: Record<string, unknown>) =>
      parse(coldStorage).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(issues({ bucket: 'records', accessKeyId: '${S3_KEY}', secretAccessKey: 'hunter2' })).toEqual([
      'observability.coldStorage.secretAccessKey: must be a reference to an environment variable, such as ${S3_SECRET_ACCESS_KEY}',
    ]);
    expect(issues({ bucket: 'records', accessKeyId: '${S3_KEY}' })).toEqual([
      'observability.coldStorage.secretAccessKey: accessKeyId and secretAccessKey go together',
    ]);
    expect(issues({ bucket: 'records', prefix: 'archive' })?.[0]).toMatch(/^observability\.coldStorage\.prefix: must be empty or end with "\/"/);
    expect(issues({ bucket: 'records', endpoint: 'ftp://127.0.0.1:58333' })?.[0]).toMatch(/^observability\.coldStorage\.endpoint: /);
  });

  it('needs the variables its credentials refer to', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-cold-config-'));
    const file = path.join(directory, 'switchyard.json');
    writeFileSync(
      file,
      JSON.stringify({ observability: { coldStorage: { bucket: 'records', accessKeyId: '${S3_KEY}', secretAccessKey: '${S3_SECRET}' } } }),
    );
    expect(() => loadConfig(file, { S3_KEY: 'key' })).toThrow('observability.coldStorage.secretAccessKey: environment variable S3_SECRET is not set');
    expect(loadConfig(file, { S3_KEY: 'key', S3_SECRET: 'secret' }).config.observability.coldStorage?.secretAccessKey).toBe('${S3_SECRET}');
  });
});

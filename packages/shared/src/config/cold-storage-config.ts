import { z } from 'zod';

/** `${NAME}`: a secret is never written in config, only the variable that holds it. */
const SECRET_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;
const secretReference = (example: string) =>
  z.string().regex(SECRET_REFERENCE, `must be a reference to an environment variable, such as \${${example}}`);

/**
 * `observability.coldStorage`: request records older than `afterDays` are
 * moved to S3-compatible object storage (gzip JSONL, one object per
 * workspace, UTC day and batch), then deleted from the database; the query
 * API reads them back when a time range reaches them. Absent: records stay
 * in the database (and `retentionDays`, if set, purges them).
 */
export const coldStorageConfigSchema = z
  .strictObject({
    /** The bucket, which must exist. */
    bucket: z.string().min(3).max(63),
    /** Prepended to every object key; default `switchyard/`. */
    prefix: z
      .string()
      .regex(/^([A-Za-z0-9!_.*'()-]+\/)*$/, 'must be empty or end with "/", of letters, digits and !_.*\'()- between slashes')
      .default('switchyard/'),
    /** An S3-compatible server's URL (MinIO, versitygw, SeaweedFS, R2…); absent: AWS S3 of `region`. */
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    region: z.string().min(1).default('us-east-1'),
    /** Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers need. */
    forcePathStyle: z.boolean().default(true),
    /** `${ENV}` references; absent: the AWS SDK's own credential chain (AWS_ACCESS_KEY_ID…, a role). */
    accessKeyId: secretReference('S3_ACCESS_KEY_ID').optional(),
    secretAccessKey: secretReference('S3_SECRET_ACCESS_KEY').optional(),
    /** Records that occurred this many days ago or earlier (whole UTC days) are moved. */
    afterDays: z.number().int().positive().default(30),
    /** Between export runs (the first runs at start). */
    intervalMs: z.number().int().positive().default(3_600_000),
    /** Records in one object at most; a busier workspace-day is several objects. */
    maxRecordsPerObject: z.number().int().positive().max(1_000_000).default(50_000),
    /** Exported records one query may read back; past it the query is a 400 asking for a narrower time range. */
    maxRecordsPerQuery: z.number().int().positive().default(50_000),
  })
  .refine((section) => (section.accessKeyId === undefined) === (section.secretAccessKey === undefined), {
    message: 'accessKeyId and secretAccessKey go together',
    path: ['secretAccessKey'],
  });

export type ColdStorageConfig = z.infer<typeof coldStorageConfigSchema>;

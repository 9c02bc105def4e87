import type { S3Client } from '@aws-sdk/client-s3';
import type { ObjectStore } from './object-store';

export interface S3ObjectStoreOptions {
  bucket: string;
  region: string;
  /** An S3-compatible server; absent: AWS S3. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Absent: the AWS SDK's own credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

type S3Module = typeof import('@aws-sdk/client-s3');

/**
 * An `ObjectStore` on S3 through `@aws-sdk/client-s3`, loaded at first use:
 * the SDK costs about half a second and 21 MB of memory to load (README,
 * "Cold storage"), which a process without cold storage (or one that has not
 * exported or read yet) never pays.
 */
export class S3ObjectStore implements ObjectStore {
  private loading?: Promise<{ sdk: S3Module; client: S3Client }>;
  private closed = false;

  constructor(private readonly options: S3ObjectStoreOptions) {}

  async put(key: string, body: Buffer, sha256: string): Promise<void> {
    const { sdk, client } = await this.load();
    // The server checks the SHA-256 (signed with the request) against what it received.
    await client.send(
      new sdk.PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        // Not Content-Encoding: gzip, which some clients would undo on download; the object is the .gz file.
        ContentType: 'application/gzip',
        ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
      }),
    );
  }

  async get(key: string, signal?: AbortSignal): Promise<Buffer> {
    const { sdk, client } = await this.load();
    const answer = await client.send(new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: key }), { abortSignal: signal });
    if (answer.Body === undefined) throw new Error(`The object ${key} came back without a body.`);
    return Buffer.from(await answer.Body.transformToByteArray());
  }

  async delete(key: string): Promise<void> {
    const { sdk, client } = await this.load();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
  }

  close(): void {
    this.closed = true;
    void this.loading?.then(
      ({ client }) => client.destroy(),
      () => undefined,
    );
  }

  /** The SDK and a client, made once; exposed so a test can tell when the SDK loads. */
  load(): Promise<{ sdk: S3Module; client: S3Client }> {
    if (this.closed) return Promise.reject(new Error('The object store is closed.'));
    this.loading ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        region: this.options.region,
        endpoint: this.options.endpoint,
        forcePathStyle: this.options.forcePathStyle,
        credentials: this.options.credentials,
        // Cold reads and exports are not latency-bound; a few tries ride out a server restart.
        maxAttempts: 3,
      }),
    }));
    return this.loading;
  }
}

import { InfluxDB } from '@influxdata/influxdb-client';
import type { EventSink, SwitchyardEvent } from '@switchyard/events';
import { eventPoint, isTimeSeriesEvent } from './influx-points';

export interface InfluxEventWriterOptions {
  /** e.g. `http://127.0.0.1:8086`. */
  url: string;
  /** InfluxDB 1.x database. */
  database: string;
  /** Empty (the default) when authentication is off; `user:password` for 1.x with auth on. */
  token?: string;
  /** Retention policy of the database to write to; `autogen` by default. */
  retentionPolicy?: string;
  /** Time allowed for one write request; 10 s by default. */
  timeoutMs?: number;
}

/**
 * Writes events as points to InfluxDB 1.8 through its v2-compatible write
 * API (`/api/v2/write`, bucket `<database>/<retention policy>`, no org).
 *
 * - RequestCompleted → measurement `requests`, tags provider, model (served,
 *   else requested), workspace, status, operation; fields latency_ms, ttft_ms,
 *   the token counts, cost_usd, error (0/1), attempts, request_id.
 * - CostRecorded → measurement `costs`, tags provider, model, workspace;
 *   fields input_cost_usd, output_cost_usd, total_cost_usd, request_id.
 *
 * Writing the same events again overwrites the same points (see
 * `pointTimestamp`), so redelivery does not add points. A batch is sent in one
 * request and awaited; any failure rejects `writeBatch` with the client's
 * error and nothing is retried here — the caller decides (the Kafka consumer
 * retries the whole batch without committing).
 */
export class InfluxEventWriter implements EventSink {
  readonly name = 'influxdb';
  private readonly influx: InfluxDB;
  private readonly bucket: string;

  constructor(options: InfluxEventWriterOptions) {
    this.influx = new InfluxDB({ url: options.url, token: options.token ?? '', timeout: options.timeoutMs ?? 10_000 });
    this.bucket = `${options.database}/${options.retentionPolicy ?? 'autogen'}`;
  }

  async writeBatch(events: readonly SwitchyardEvent[]): Promise<void> {
    const points = events.filter(isTimeSeriesEvent).map(eventPoint);
    if (points.length === 0) return;
    // One write API per batch: no background flush timer, no retry buffer that
    // would resend behind the caller's back, and no batch-size flush whose
    // error the client swallows — every line goes out in the one request that
    // `close()` sends and reports on.
    const writeApi = this.influx.getWriteApi('', this.bucket, 'ns', {
      batchSize: points.length + 1,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 0,
      maxRetries: 0,
      // Returning a promise takes over error handling: the client neither
      // retries nor logs to the console; the caller logs.
      writeFailed: (error: Error) => Promise.reject(error),
    });
    writeApi.writePoints(points);
    await writeApi.close();
  }
}

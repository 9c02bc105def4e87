import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/**
 * An OTLP/HTTP metrics receiver on loopback: it accepts what an exporter
 * POSTs to `/v1/metrics` as `application/x-protobuf` and decodes the
 * `ExportMetricsServiceRequest` from its protobuf wire format (the field
 * numbers of opentelemetry-proto's collector/metrics/v1, metrics/v1,
 * common/v1 and resource/v1), answering with an empty
 * `ExportMetricsServiceResponse` as a collector does. Only what the tests
 * read is kept: resource attributes, scope, and each metric's name, unit,
 * kind and data points (attributes, count, sum, value).
 */

export type AttributeValue = string | boolean | number | AttributeValue[];

export interface ReceivedDataPoint {
  attributes: Record<string, AttributeValue>;
  /** Histograms. */
  count?: number;
  sum?: number;
  /** Sums and gauges. */
  value?: number;
}

export interface ReceivedMetric {
  resource: Record<string, AttributeValue>;
  scope: string;
  name: string;
  unit: string;
  kind: 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary' | 'unknown';
  dataPoints: ReceivedDataPoint[];
}

export interface OtlpMetricsReceiver {
  /** `http://127.0.0.1:PORT`: the exporter's endpoint (it appends `/v1/metrics`). */
  url: string;
  /** Every metric of every export received, in arrival order. */
  readonly metrics: ReceivedMetric[];
  /** The content types and headers each export came with. */
  readonly exports: { contentType: string; headers: Record<string, string | string[] | undefined> }[];
  close(): Promise<void>;
}

export async function startOtlpMetricsReceiver(): Promise<OtlpMetricsReceiver> {
  const metrics: ReceivedMetric[] = [];
  const exports: OtlpMetricsReceiver['exports'] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const contentType = String(request.headers['content-type'] ?? '');
      if (request.method !== 'POST' || request.url !== '/v1/metrics') {
        response.writeHead(404).end();
        return;
      }
      if (contentType !== 'application/x-protobuf') {
        response.writeHead(415).end();
        return;
      }
      try {
        const body = Buffer.concat(chunks);
        const gzipped = request.headers['content-encoding'] === 'gzip';
        metrics.push(...decodeExportMetricsServiceRequest(new Uint8Array(gzipped ? gunzipSync(body) : body)));
      } catch (error) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
        return;
      }
      exports.push({ contentType, headers: request.headers });
      // An empty ExportMetricsServiceResponse: everything accepted.
      response.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    metrics,
    exports,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Calls `onField` for each field of the message in `bytes`; a field it does not read is skipped. */
function readFields(bytes: Uint8Array, onField: (field: number, wireType: WireType, reader: BinaryReader) => boolean): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (!onField(field, wireType, reader)) reader.skip(wireType);
  }
}

function decodeExportMetricsServiceRequest(bytes: Uint8Array): ReceivedMetric[] {
  const metrics: ReceivedMetric[] = [];
  readFields(bytes, (field, _, reader) => {
    if (field !== 1) return false; // resource_metrics
    metrics.push(...decodeResourceMetrics(reader.bytes()));
    return true;
  });
  return metrics;
}

function decodeResourceMetrics(bytes: Uint8Array): ReceivedMetric[] {
  let resource: Record<string, AttributeValue> = {};
  const scopes: Uint8Array[] = [];
  readFields(bytes, (field, _, reader) => {
    if (field === 1) resource = decodeResource(reader.bytes());
    else if (field === 2) scopes.push(reader.bytes());
    else return false;
    return true;
  });
  return scopes.flatMap((scope) => decodeScopeMetrics(scope, resource));
}

function decodeResource(bytes: Uint8Array): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  readFields(bytes, (field, _, reader) => {
    if (field !== 1) return false;
    const [key, value] = decodeKeyValue(reader.bytes());
    attributes[key] = value;
    return true;
  });
  return attributes;
}

function decodeScopeMetrics(bytes: Uint8Array, resource: Record<string, AttributeValue>): ReceivedMetric[] {
  let scope = '';
  const metrics: Uint8Array[] = [];
  readFields(bytes, (field, _, reader) => {
    if (field === 1) {
      readFields(reader.bytes(), (scopeField, __, scopeReader) => {
        if (scopeField !== 1) return false;
        scope = scopeReader.string();
        return true;
      });
    } else if (field === 2) metrics.push(reader.bytes());
    else return false;
    return true;
  });
  return metrics.map((metric) => decodeMetric(metric, resource, scope));
}

const METRIC_KINDS: Record<number, ReceivedMetric['kind']> = { 5: 'gauge', 7: 'sum', 9: 'histogram', 10: 'exponential_histogram', 11: 'summary' };

function decodeMetric(bytes: Uint8Array, resource: Record<string, AttributeValue>, scope: string): ReceivedMetric {
  const metric: ReceivedMetric = { resource, scope, name: '', unit: '', kind: 'unknown', dataPoints: [] };
  readFields(bytes, (field, _, reader) => {
    if (field === 1) metric.name = reader.string();
    else if (field === 3) metric.unit = reader.string();
    else if (METRIC_KINDS[field]) {
      metric.kind = METRIC_KINDS[field];
      // Every kind keeps its data points in field 1.
      readFields(reader.bytes(), (dataField, __, dataReader) => {
        if (dataField !== 1) return false;
        metric.dataPoints.push(
          metric.kind === 'gauge' || metric.kind === 'sum' ? decodeNumberPoint(dataReader.bytes()) : decodeHistogramPoint(dataReader.bytes()),
        );
        return true;
      });
    } else return false;
    return true;
  });
  return metric;
}

/** NumberDataPoint: attributes 7, as_double 4, as_int 6 (sfixed64). */
function decodeNumberPoint(bytes: Uint8Array): ReceivedDataPoint {
  const point: ReceivedDataPoint = { attributes: {} };
  readFields(bytes, (field, _, reader) => {
    if (field === 7) {
      const [key, value] = decodeKeyValue(reader.bytes());
      point.attributes[key] = value;
    } else if (field === 4) point.value = reader.double();
    else if (field === 6) point.value = Number(reader.sfixed64());
    else return false;
    return true;
  });
  return point;
}

/** HistogramDataPoint: attributes 9, count 4 (fixed64), sum 5 (double). */
function decodeHistogramPoint(bytes: Uint8Array): ReceivedDataPoint {
  const point: ReceivedDataPoint = { attributes: {} };
  readFields(bytes, (field, _, reader) => {
    if (field === 9) {
      const [key, value] = decodeKeyValue(reader.bytes());
      point.attributes[key] = value;
    } else if (field === 4) point.count = Number(reader.fixed64());
    else if (field === 5) point.sum = reader.double();
    else return false;
    return true;
  });
  return point;
}

/** KeyValue: key 1, value 2 (AnyValue). */
function decodeKeyValue(bytes: Uint8Array): [string, AttributeValue] {
  let key = '';
  let value: AttributeValue = '';
  readFields(bytes, (field, _, reader) => {
    if (field === 1) key = reader.string();
    else if (field === 2) value = decodeAnyValue(reader.bytes());
    else return false;
    return true;
  });
  return [key, value];
}

/** AnyValue: string 1, bool 2, int 3, double 4, array 5 (ArrayValue: values 1). */
function decodeAnyValue(bytes: Uint8Array): AttributeValue {
  let value: AttributeValue = '';
  readFields(bytes, (field, _, reader) => {
    if (field === 1) value = reader.string();
    else if (field === 2) value = reader.bool();
    else if (field === 3) value = Number(reader.int64());
    else if (field === 4) value = reader.double();
    else if (field === 5) {
      const values: AttributeValue[] = [];
      readFields(reader.bytes(), (arrayField, __, arrayReader) => {
        if (arrayField !== 1) return false;
        values.push(decodeAnyValue(arrayReader.bytes()));
        return true;
      });
      value = values;
    } else return false;
    return true;
  });
  return value;
}

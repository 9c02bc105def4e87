import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, configSchema, loadConfig } from '@switchyard/shared';
import { parseHeaderList, resolveOtelSettings } from './otel-settings';

const telemetry = (section: unknown) => configSchema.parse({ telemetry: section }).telemetry;

describe('resolveOtelSettings', () => {
  it('is off by default, and when OTEL_SDK_DISABLED=true', () => {
    expect(configSchema.parse({}).telemetry.enabled).toBe(false);
    expect(resolveOtelSettings(telemetry({}), {})).toBeUndefined();
    expect(resolveOtelSettings(telemetry({ enabled: true }), { OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
  });

  it('defaults to the standard local receiver, every span, metrics each minute', () => {
    expect(resolveOtelSettings(telemetry({ enabled: true }), {})).toEqual({
      serviceName: 'switchyard',
      samplingRatio: 1,
      traces: {
        url: 'http://localhost:4318/v1/traces',
        headers: {},
        timeoutMs: 10_000,
        batch: { maxExportBatchSize: 512, scheduledDelayMs: 5_000, maxQueueSize: 2_048 },
      },
      metrics: { url: 'http://localhost:4318/v1/metrics', headers: {}, timeoutMs: 10_000, exportIntervalMs: 60_000 },
    });
  });

  it('takes what the section leaves unset from the OTEL_* variables', () => {
    const settings = resolveOtelSettings(telemetry({ enabled: true }), {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example:4318/',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://metrics.example/otlp/v1/metrics',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=search,Authorization=Bearer%20abc',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=traces',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
      OTEL_SERVICE_NAME: 'gateway-eu',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_METRIC_EXPORT_INTERVAL: '15000',
    });
    expect(settings).toMatchObject({
      serviceName: 'gateway-eu',
      samplingRatio: 0.25,
      traces: { url: 'https://collector.example:4318/v1/traces', headers: { 'x-team': 'traces', authorization: 'Bearer abc' }, timeoutMs: 2_500 },
      metrics: {
        url: 'https://metrics.example/otlp/v1/metrics',
        headers: { 'x-team': 'search', authorization: 'Bearer abc' },
        exportIntervalMs: 15_000,
      },
    });
  });

  it('lets the config win over the variables, resolving header references', () => {
    const settings = resolveOtelSettings(
      telemetry({
        enabled: true,
        serviceName: 'from-config',
        samplingRatio: 0.5,
        otlp: {
          endpoint: 'http://127.0.0.1:4318',
          tracesEndpoint: 'http://127.0.0.1:54318/v1/traces',
          headers: { authorization: 'Bearer ${OTLP_TOKEN}' },
        },
        metrics: { enabled: false },
      }),
      {
        OTEL_SERVICE_NAME: 'from-env',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=env',
        OTLP_TOKEN: 's3cret',
      },
    );
    expect(settings?.serviceName).toBe('from-config');
    expect(settings?.samplingRatio).toBe(0.5);
    expect(settings?.traces).toMatchObject({ url: 'http://127.0.0.1:54318/v1/traces', headers: { authorization: 'Bearer s3cret' } });
    expect(settings?.metrics).toBeUndefined();
  });

  it('refuses a credential header written in the config, and a reference to an unset variable, naming the path', () => {
    expect(() => telemetry({ enabled: true, otlp: { headers: { authorization: 'Bearer s3cret' } } })).toThrow(
      /must be a reference to an environment variable/,
    );
    expect(() => resolveOtelSettings(telemetry({ enabled: true, otlp: { headers: { 'x-api-key': '${MISSING_TOKEN}' } } }), {})).toThrow(
      new ConfigError('invalid config:\n  - telemetry.otlp.headers.x-api-key: environment variable MISSING_TOKEN is not set'),
    );
  });

  it('names a malformed variable without echoing a header value', () => {
    expect(() => parseHeaderList('authorization', 'OTEL_EXPORTER_OTLP_HEADERS')).toThrow('OTEL_EXPORTER_OTLP_HEADERS: each entry must be name=value');
    let message = '';
    try {
      parseHeaderList('authorization=Bearer%zzs3cret', 'OTEL_EXPORTER_OTLP_HEADERS');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('OTEL_EXPORTER_OTLP_HEADERS: the value of authorization is not percent-encoded correctly');
    expect(() => resolveOtelSettings(telemetry({ enabled: true }), { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(
      /OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1/,
    );
    expect(() => resolveOtelSettings(telemetry({ enabled: true }), { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got "collector:4318"',
    );
  });

  it('is turned on or off by SWITCHYARD_TELEMETRY_ENABLED whatever the config says', () => {
    expect(loadConfig(undefined, { SWITCHYARD_TELEMETRY_ENABLED: 'true' }).config.telemetry.enabled).toBe(true);
    expect(loadConfig(undefined, {}).config.telemetry.enabled).toBe(false);
    expect(() => loadConfig(undefined, { SWITCHYARD_TELEMETRY_ENABLED: 'yes' })).toThrow(
      new ConfigError('SWITCHYARD_TELEMETRY_ENABLED must be true or false, got "yes"'),
    );
  });

  it('reads the README example as the README says', () => {
    const readme = readFileSync(path.resolve(__dirname, '../../../../../README.md'), 'utf8');
    const example = readme.match(/```yaml\n(telemetry:[\s\S]*?)```/)![1];
    const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-telemetry-'));
    try {
      const file = path.join(directory, 'switchyard.yaml');
      writeFileSync(file, example);
      const settings = resolveOtelSettings(loadConfig(file, {}).config.telemetry, { OTLP_TOKEN: 'token' });
      expect(settings).toMatchObject({
        serviceName: 'switchyard',
        samplingRatio: 1,
        traces: { url: 'http://collector:4318/v1/traces', headers: { authorization: 'Bearer token' }, batch: { scheduledDelayMs: 5_000 } },
        metrics: { url: 'http://collector:4318/v1/metrics', exportIntervalMs: 60_000 },
      });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

import { configSchema, createLogger } from '@switchyard/shared';

/**
 * Export is off by default, and then costs nothing: the gateway neither
 * loads the OpenTelemetry SDK nor its exporters, at import or at start.
 */

const SDK_PACKAGES = [
  '@opentelemetry/exporter-metrics-otlp-proto',
  '@opentelemetry/exporter-trace-otlp-proto',
  '@opentelemetry/resources',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/sdk-trace-base',
];

const logger = createLogger('test', 'silent');

describe('loading the OpenTelemetry SDK', () => {
  afterEach(() => {
    for (const name of SDK_PACKAGES) jest.dontMock(name);
  });

  /** Runs `load` in a module registry of its own and returns the SDK packages it loaded. */
  async function sdkLoadedBy(load: () => Promise<unknown>): Promise<string[]> {
    const loaded = new Set<string>();
    await jest.isolateModulesAsync(async () => {
      for (const name of SDK_PACKAGES) {
        jest.doMock(name, () => {
          loaded.add(name);
          return jest.requireActual(name);
        });
      }
      await load();
    });
    return [...loaded].sort();
  }

  it('loads none of it when export is off, importing the gateway or starting the export', async () => {
    const off = configSchema.parse({ telemetry: { enabled: false } });
    expect(
      await sdkLoadedBy(async () => {
        await import('../../gateway-server');
        const { startConfiguredOtelExport } = await import('./otel-export');
        expect(await startConfiguredOtelExport(off, logger, {})).toBeUndefined();
      }),
    ).toEqual([]);
  });

  it('loads it once export is on (the check itself works)', async () => {
    // Port 9 (discard) on loopback: nothing is sent before the shutdown below, which gives up at once.
    const on = configSchema.parse({ telemetry: { enabled: true, otlp: { endpoint: 'http://127.0.0.1:9', timeoutMs: 100 } } });
    expect(
      await sdkLoadedBy(async () => {
        const { startConfiguredOtelExport } = await import('./otel-export');
        const otel = await startConfiguredOtelExport(on, logger, {});
        await otel?.shutdown();
      }),
    ).toEqual(SDK_PACKAGES);
  });
});

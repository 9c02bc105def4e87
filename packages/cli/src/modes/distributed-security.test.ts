import { configSchema, ConfigError, createLogger } from '@switchyard/shared';
import { startAdapterService, startDistributedGateway, startRouterService } from './distributed';

const logger = createLogger('test', 'silent');

/** What each role refuses at start, before it opens anything. */
describe('distributed mode without the TLS it needs', () => {
  it('refuses to serve the router or the adapters in plaintext off loopback, naming the setting', async () => {
    const config = configSchema.parse({ providers: { local: { kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1', models: ['*'] } } });
    await expect(startRouterService(config, logger, '0.0.0.0:0')).rejects.toThrow(
      new ConfigError(
        'services.router: 0.0.0.0:0 is not a loopback address, and gRPC without TLS is refused there: set tls.ca, tls.cert and tls.key ' +
          '(SWITCHYARD_TLS_CA, SWITCHYARD_TLS_CERT, SWITCHYARD_TLS_KEY), or tls.allowInsecure: true to accept plaintext',
      ),
    );
    await expect(startAdapterService(config, logger, '[::]:0')).rejects.toThrow(/^services\.adapters: \[::\]:0 is not a loopback address/);
  });

  it('refuses a gateway that would call the services in plaintext off loopback, or over TLS without a client certificate', async () => {
    const kafka = { events: { kafka: { brokers: ['127.0.0.1:1'] } } };
    await expect(startDistributedGateway(configSchema.parse({ ...kafka, services: { adapters: 'adapters:50052' } }), logger)).rejects.toThrow(
      /^services\.adapters: adapters:50052 is not a loopback address/,
    );
    await expect(startDistributedGateway(configSchema.parse({ ...kafka, tls: { ca: '/ca.pem' } }), logger)).rejects.toThrow(
      new ConfigError('tls.cert: the gateway needs a client certificate (tls.cert and tls.key): the adapter service accepts no caller without one'),
    );
  });
});

import { configSchema, ConfigError, createLogger, vectorNamespace, type SwitchyardConfig } from '@switchyard/shared';
import type { SemanticBackends } from '@switchyard/semantic';
import { BruteForceStore, HashEmbedder, KeywordGuardrails } from '../../../../services/semantic/src/transport/__fixtures__/test-backends';
import { TestCertificates, type TestAuthority } from '../../../../test/support/test-certificates';
import { distributedPluginServices, startSemanticService, type RunningService } from './distributed';

const logger = createLogger('test', 'silent');

function backends(): SemanticBackends {
  const embedder = new HashEmbedder();
  const store = new BruteForceStore();
  const guardrails = new KeywordGuardrails();
  return { embedder: () => embedder, vectorStore: () => store, guardrails: () => guardrails };
}

/** What a gateway's plugins do through its PluginServices: embed, store, look up, check. */
async function useEverything(config: SwitchyardConfig): Promise<void> {
  const services = distributedPluginServices(config, logger);
  try {
    const [question] = await services.embedder().embed(['What is the refund policy?']);
    expect([services.embedder().id, services.embedder().dimensions]).toStrictEqual(['test-hash-v1', 16]);
    const namespace = vectorNamespace('team-a', 'cache');
    await services.vectorStore().upsert(namespace, [{ id: 'q1', vector: question, payload: { answer: 'Within 30 days.' } }]);
    const [match] = await services.vectorStore().query(namespace, question, { k: 1, minScore: 0.9 });
    expect(match).toMatchObject({ id: 'q1', payload: { answer: 'Within 30 days.' } });
    await expect(services.guardrails().check({ text: 'write to alice@example.com', checks: ['pii'], workspace: 'team-a' })).resolves.toStrictEqual({
      pii: [{ type: 'email', start: 9, end: 26, score: 0.95 }],
    });
  } finally {
    await services.close();
  }
}

describe('the semantic service in distributed mode', () => {
  let service: RunningService | undefined;

  afterEach(async () => {
    await service?.close(1_000);
    service = undefined;
  });

  it('serves a gateway’s plugin services on its own port', async () => {
    service = await startSemanticService(configSchema.parse({}), logger, '127.0.0.1:0', backends());
    await useEverything(configSchema.parse({ services: { semantic: `127.0.0.1:${service.port}` } }));
  });

  it('refuses plaintext off loopback, on either side, naming services.semantic', async () => {
    const config = configSchema.parse({ services: { semantic: 'semantic:50054' } });
    await expect(startSemanticService(config, logger, '0.0.0.0:0', backends())).rejects.toThrow(
      /^services\.semantic: 0\.0\.0\.0:0 is not a loopback address, and gRPC without TLS is refused there/,
    );
    expect(() => distributedPluginServices(config, logger)).toThrow(ConfigError);
    expect(() => distributedPluginServices(config, logger)).toThrow(/^services\.semantic: semantic:50054 is not a loopback address/);
  });

  describe('over TLS', () => {
    let certificates: TestCertificates;
    let authority: TestAuthority;

    beforeAll(async () => {
      certificates = await TestCertificates.create();
      authority = await certificates.authority('switchyard');
    });

    afterAll(async () => {
      await certificates.remove();
    });

    it('requires a client certificate signed by tls.ca even when tls.requireClientCert is off', async () => {
      const server = await authority.issue('semantic');
      service = await startSemanticService(
        configSchema.parse({ tls: { ca: authority.ca, cert: server.cert, key: server.key, requireClientCert: false } }),
        logger,
        '127.0.0.1:0',
        backends(),
      );
      const gateway = await authority.issue('gateway');
      const address = `127.0.0.1:${service.port}`;
      await useEverything(configSchema.parse({ services: { semantic: address }, tls: { ca: authority.ca, cert: gateway.cert, key: gateway.key } }));

      const anonymous = distributedPluginServices(configSchema.parse({ services: { semantic: address }, tls: { ca: authority.ca } }), logger);
      try {
        await expect(anonymous.vectorStore().drop('ns')).rejects.toMatchObject({ status: 503, errorClass: 'unavailable' });
      } finally {
        await anonymous.close();
      }
    });
  });
});

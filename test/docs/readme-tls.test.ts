import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { healthV1 } from '@switchyard/proto';
import { grpcClientSecurity, grpcServerSecurity, healthServiceDefinition, startGrpcServer, type RunningGrpcServer } from '@switchyard/rpc';
import { createLogger, loadConfig } from '@switchyard/shared';

/** The README's "Between services" part: its config is valid, and its openssl commands make certificates that work. */
describe('the README on TLS between services', () => {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Between services'), readme.indexOf('\n## ', readme.indexOf('### Between services')));
  const block = (language: string) => section.match(new RegExp('```' + language + '\\n([\\s\\S]*?)```'))![1];
  const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-readme-tls-'));
  const logger = createLogger('test', 'silent');
  const releases: Array<() => unknown> = [];

  afterAll(async () => {
    for (const release of releases.reverse()) await release();
    rmSync(directory, { recursive: true, force: true });
  });

  it('shows a valid tls section with its defaults', () => {
    const file = path.join(directory, 'switchyard.yaml');
    writeFileSync(file, block('yaml'));
    const { config } = loadConfig(file, {});
    expect(config.tls).toEqual({
      ca: '/etc/switchyard/tls/ca.crt',
      cert: '/etc/switchyard/tls/tls.crt',
      key: '/etc/switchyard/tls/tls.key',
      requireClientCert: true,
      serverName: 'switchyard.internal',
      reloadIntervalMs: 10_000,
      allowInsecure: false,
    });
  });

  it('makes certificates with which the gateway calls the adapters over mutual TLS, and without which it cannot', async () => {
    execFileSync('bash', ['-euo', 'pipefail', '-c', block('sh')], { cwd: directory, stdio: 'pipe' });
    const file = (name: string) => path.join(directory, name);
    const tls = { requireClientCert: true, reloadIntervalMs: 60_000, allowInsecure: false, ca: file('ca.crt') };
    const security = grpcServerSecurity({
      tls: { ...tls, cert: file('adapters.crt'), key: file('adapters.key') },
      address: '127.0.0.1:0',
      addressPath: 'services.adapters',
      alwaysRequireClientCert: true,
      logger,
    });
    releases.push(() => security.close());
    const server: RunningGrpcServer = await startGrpcServer({ address: '127.0.0.1:0', services: [], logger, credentials: security.credentials });
    releases.push(() => server.shutdown(1_000));

    const check = (identity: { cert?: string; key?: string }) => {
      const client = grpcClientSecurity({ tls: { ...tls, ...identity, serverName: 'adapters' }, addresses: {}, logger });
      const channel = new grpc.Client(`127.0.0.1:${server.port}`, client.credentials, client.channelOptions);
      const { path: method, requestSerialize, responseDeserialize } = healthServiceDefinition.check;
      return new Promise<string>((resolve) =>
        channel.makeUnaryRequest(
          method,
          requestSerialize,
          responseDeserialize,
          create(healthV1.HealthCheckRequestSchema),
          { deadline: Date.now() + 10_000 },
          (error) => resolve(error ? grpc.status[error.code] : 'OK'),
        ),
      ).finally(() => {
        channel.close();
        client.close();
      });
    };
    expect(await check({ cert: file('gateway.crt'), key: file('gateway.key') })).toBe('OK');
    expect(await check({})).toBe('UNAVAILABLE');
  });
});

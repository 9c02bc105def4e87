import { execFile } from 'node:child_process';
import path from 'node:path';
import { createLogger } from '@switchyard/shared';
import { grpcServerSecurity, startGrpcServer, type RunningGrpcServer } from '@switchyard/rpc';
import { TestCertificates } from '../support/test-certificates';
import { CHART, HELM, HelmHome, parseObjects, requireHelm, runTool, type KubernetesObject } from '../support/kubernetes';

/**
 * The `helm test` pods cannot run here (no kubelet), so their commands run on this machine instead,
 * against real gRPC servers of the project: plaintext and over mutual TLS, with the in-cluster names and
 * mounted certificate paths of the rendered command replaced by the local ones. A SERVING service passes;
 * a stopped one or a caller without a certificate fails.
 */

const logger = createLogger('test', 'silent');
const TLS_DIRECTORY = '/etc/switchyard/tls';
const ROUTER_HOST = 'switchyard-router-headless.llm.svc.cluster.local:50051';

let home: HelmHome;
let certificates: TestCertificates;
const releases: Array<() => unknown> = [];

beforeAll(async () => {
  requireHelm();
  home = await HelmHome.create();
  certificates = await TestCertificates.create();
});

afterEach(async () => {
  for (const release of releases.splice(0).reverse()) await release();
});

afterAll(async () => {
  await certificates?.remove();
  await home?.remove();
});

/** The shell command of the router's helm test pod, rendered with the given values. */
async function routerHealthCommand(set: string[]): Promise<string> {
  const args = ['template', 'switchyard', CHART, '--namespace', 'llm', '-f', path.join(CHART, 'ci', 'default-values.yaml')];
  for (const value of set) args.push('--set', value);
  const rendered = await runTool(HELM, args, home.env);
  if (rendered.code !== 0) throw new Error(rendered.stderr);
  const pod = parseObjects(rendered.stdout).find((object) => object.kind === 'Pod' && object.metadata.name === 'switchyard-router-health-test') as
    (KubernetesObject & { spec: { containers: Array<{ command: string[]; args: string[] }> } }) | undefined;
  if (!pod) throw new Error('no router health test pod rendered');
  expect(pod.spec.containers[0].command).toEqual(['/bin/sh', '-ec']);
  return pod.spec.containers[0].args[0];
}

function shell(script: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-ec', script], { timeout: 30_000 }, (error, _stdout, stderr) =>
      resolve({ code: typeof error?.code === 'number' ? error.code : error ? 1 : 0, stderr }),
    );
  });
}

async function serve(credentials?: ReturnType<typeof grpcServerSecurity>): Promise<RunningGrpcServer> {
  const server = await startGrpcServer({ address: '127.0.0.1:0', logger, services: [], credentials: credentials?.credentials });
  releases.push(() => server.shutdown(1_000));
  return server;
}

describe('the helm test pods of the gRPC services', () => {
  it('pass against a SERVING service over plaintext, and fail once it is gone', async () => {
    const command = await routerHealthCommand(['mtls.enabled=false']);
    expect(command).toContain('--http2-prior-knowledge');
    const server = await serve();
    const local = command.replace(ROUTER_HOST, `127.0.0.1:${server.port}`);
    expect(local).not.toBe(command);

    expect(await shell(local)).toMatchObject({ code: 0 });
    await server.shutdown(1_000);
    expect((await shell(local)).code).not.toBe(0);
  });

  it('pass over mutual TLS with the mounted certificate, and fail without one the server trusts', async () => {
    const command = await routerHealthCommand([]);
    expect(command).toContain(`--cacert ${TLS_DIRECTORY}/ca.crt`);
    const authority = await certificates.authority('switchyard-internal');
    const server = await authority.issue('router');
    const client = await authority.issue('test');
    const security = grpcServerSecurity({
      tls: { ca: authority.ca, cert: server.cert, key: server.key, requireClientCert: true, reloadIntervalMs: 60_000, allowInsecure: false },
      address: '127.0.0.1:0',
      addressPath: 'services.router',
      logger,
    });
    releases.push(() => security.close());
    const running = await serve(security);
    const withFiles = (files: { ca: string; cert: string; key: string }) =>
      command
        .replace(ROUTER_HOST, `localhost:${running.port}`)
        .replace(`${TLS_DIRECTORY}/ca.crt`, files.ca)
        .replace(`${TLS_DIRECTORY}/tls.crt`, files.cert)
        .replace(`${TLS_DIRECTORY}/tls.key`, files.key);

    expect(await shell(withFiles({ ca: authority.ca, ...client }))).toMatchObject({ code: 0 });
    const stranger = await (await certificates.authority('stranger')).issue('test');
    expect((await shell(withFiles({ ca: authority.ca, ...stranger }))).code).not.toBe(0);
  });
});

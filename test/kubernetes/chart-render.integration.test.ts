import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@switchyard/shared';
import {
  CHART,
  CI_VALUES,
  HELM,
  HELM_UNITTEST,
  HelmHome,
  NEWEST_KUBERNETES,
  OLDEST_KUBERNETES,
  ROOT,
  parseObjects,
  requireHelm,
  runTool,
  type KubernetesObject,
} from '../support/kubernetes';

/**
 * The chart as helm sees it, without a cluster: `helm lint --strict` and `helm template` for the oldest
 * and newest supported Kubernetes, for every ci/*.yaml; what the rendered objects must hold (restricted
 * pods, probes, budgets, autoscalers, policies, no secrets); the configs the services are given load
 * with Switchyard's own schema; typos in values fail; the README and k8s/ match the chart.
 */

const SERVICES = ['gateway', 'router', 'adapters', 'observability'];
/** The services a values file turns on beyond those: the semantic service is off by default. */
const OPTIONAL_SERVICES: Record<string, string[]> = { 'ingress-values.yaml': ['semantic', 'edge-ingest'] };
const CAPABILITIES = ['monitoring.coreos.com/v1/ServiceMonitor'];

let home: HelmHome;

beforeAll(async () => {
  requireHelm();
  home = await HelmHome.create();
});

afterAll(async () => {
  await home?.remove();
});

async function render(values: string[], options: { kubeVersion?: string; set?: string[]; apiVersions?: string[] } = {}): Promise<KubernetesObject[]> {
  const result = await template(values, options);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseObjects(result.stdout);
}

function template(values: string[], options: { kubeVersion?: string; set?: string[]; apiVersions?: string[] } = {}) {
  const args = ['template', 'switchyard', CHART, '--namespace', 'llm', '--kube-version', options.kubeVersion ?? NEWEST_KUBERNETES];
  for (const file of values) args.push('-f', file);
  for (const value of options.set ?? []) args.push('--set', value);
  for (const version of options.apiVersions ?? []) args.push('--api-versions', version);
  return runTool(HELM, args, home.env);
}

const named = (objects: KubernetesObject[], kind: string) => objects.filter((object) => object.kind === kind);
const ci = (name: string) => path.join(CHART, 'ci', `${name}-values.yaml`);

type PodSpec = {
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
  containers: Array<{
    name: string;
    args?: string[];
    securityContext?: Record<string, unknown>;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    startupProbe?: Record<string, unknown>;
    readinessProbe?: Record<string, unknown>;
    livenessProbe?: Record<string, unknown>;
  }>;
};
const podSpec = (deployment: KubernetesObject) => deployment.spec?.template?.spec as unknown as PodSpec;

describe('helm lint and template', () => {
  it.each(CI_VALUES.map((file) => [path.basename(file), file]))('lints %s with --strict', async (_name, file) => {
    const result = await runTool(HELM, ['lint', CHART, '--strict', '--kube-version', NEWEST_KUBERNETES, '-f', file], home.env);
    expect(result.stderr + result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it.each(CI_VALUES.flatMap((file) => [OLDEST_KUBERNETES, NEWEST_KUBERNETES].map((version) => [path.basename(file), version, file])))(
    'renders %s for Kubernetes %s',
    async (_name, version, file) => {
      const objects = await render([file], { kubeVersion: version, apiVersions: CAPABILITIES });
      expect(named(objects, 'Deployment').length).toBeGreaterThanOrEqual(4);
      for (const object of objects) {
        expect(object.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
        expect(object.metadata.name.length).toBeLessThanOrEqual(63);
      }
    },
  );

  it('refuses a Kubernetes older than the chart supports', async () => {
    const result = await template([ci('default')], { kubeVersion: '1.28.0' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/kubeVersion|incompatible/i);
  });
});

describe('the rendered objects', () => {
  let objects: KubernetesObject[];

  beforeAll(async () => {
    objects = await render([ci('default')], { apiVersions: CAPABILITIES });
  });

  it('run each service as its own restricted, token-less, resource-bounded Deployment with probes', () => {
    const deployments = named(objects, 'Deployment');
    expect(deployments.map((deployment) => deployment.metadata.name).sort()).toEqual(SERVICES.map((service) => `switchyard-${service}`).sort());
    for (const deployment of deployments) {
      const spec = podSpec(deployment);
      const service = deployment.metadata.labels?.['app.kubernetes.io/component'] as string;
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      const [container] = spec.containers;
      expect(container.args?.[0]).toBe(service);
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container.resources?.requests?.cpu).toBeDefined();
      expect(container.resources?.requests?.memory).toBeDefined();
      expect(container.resources?.limits?.memory).toBeDefined();
      for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) expect(probe).toBeDefined();
      // mutual TLS is on by default: the kubelet's gRPC probe cannot present a certificate.
      if (service === 'gateway') expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'http' } });
      else expect(container.readinessProbe).toMatchObject({ tcpSocket: { port: 'grpc' } });
      expect(deployment.spec?.template?.metadata?.annotations?.['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
      const account = objects.find((object) => object.kind === 'ServiceAccount' && object.metadata.name === deployment.metadata.name);
      expect(account).toMatchObject({ automountServiceAccountToken: false });
    }
  });

  it('probe the gRPC services with gRPC health when mutual TLS is off', async () => {
    const plain = await render([ci('default')], { set: ['mtls.enabled=false'] });
    const router = named(plain, 'Deployment').find((deployment) => deployment.metadata.name === 'switchyard-router') as KubernetesObject;
    expect(podSpec(router).containers[0].readinessProbe).toMatchObject({ grpc: { port: 50051 } });
    expect(podSpec(router).containers[0].startupProbe).toMatchObject({ grpc: { port: 50051 } });
  });

  it('give each service a budget and an autoscaler, and the gRPC services headless Services', () => {
    expect(named(objects, 'PodDisruptionBudget')).toHaveLength(4);
    const autoscalers = named(objects, 'HorizontalPodAutoscaler');
    expect(autoscalers.map((autoscaler) => autoscaler.apiVersion)).toEqual(Array(4).fill('autoscaling/v2'));
    for (const service of ['router', 'adapters', 'observability']) {
      const headless = objects.find((object) => object.kind === 'Service' && object.metadata.name === `switchyard-${service}-headless`);
      expect(headless?.spec?.clusterIP).toBe('None');
    }
    // Autoscaled Deployments leave their replica count to the autoscaler.
    for (const deployment of named(objects, 'Deployment')) expect(deployment.spec?.replicas).toBeUndefined();
  });

  it('scale the consumers with KEDA or an HPA, never both', async () => {
    const keda = await render([ci('ingress')]);
    const scaled = named(keda, 'ScaledObject');
    expect(scaled).toHaveLength(1);
    expect(scaled[0].spec).toMatchObject({ scaleTargetRef: { name: 'switchyard-observability' } });
    expect(JSON.stringify(scaled[0].spec)).toContain('staging.switchyard.request.completed.v1');
    expect(named(keda, 'HorizontalPodAutoscaler').map((autoscaler) => autoscaler.metadata.name)).not.toContain('switchyard-observability');
  });

  it('deny all traffic by default and allow only the paths between services', () => {
    const policies = named(objects, 'NetworkPolicy');
    const deny = policies.find((policy) => policy.metadata.name === 'switchyard-default-deny');
    expect(deny?.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'switchyard', 'app.kubernetes.io/instance': 'switchyard' } },
      policyTypes: ['Ingress', 'Egress'],
    });
    const adapters = policies.find((policy) => policy.metadata.name === 'switchyard-adapters');
    const from = JSON.stringify(adapters?.spec?.ingress);
    expect(from).toContain('"app.kubernetes.io/component":"gateway"');
    expect(from).toContain('"app.kubernetes.io/component":"router"');
    expect(from).not.toContain('"app.kubernetes.io/component":"observability"');
    expect(policies.map((policy) => policy.metadata.name)).toContain('switchyard-allow-dns');
  });

  it('never render a Secret, and take every credential from an existing one', async () => {
    for (const file of CI_VALUES) expect(named(await render([file]), 'Secret')).toEqual([]);
    const gateway = named(objects, 'Deployment').find((deployment) => deployment.metadata.name === 'switchyard-gateway') as KubernetesObject;
    expect(JSON.stringify(gateway.spec)).toContain('"secretKeyRef":{"name":"switchyard-postgres","key":"url"}');
  });

  it('expose the gateway over HTTPS: a Gateway, an HTTPRoute and a cert-manager Certificate (or an Ingress)', async () => {
    expect(named(objects, 'Gateway')[0].spec).toMatchObject({ listeners: [{ protocol: 'HTTPS', port: 443 }] });
    expect(named(objects, 'HTTPRoute')[0].spec).toMatchObject({ hostnames: ['switchyard.example.com'] });
    const certificates = named(objects, 'Certificate').map((certificate) => certificate.metadata.name);
    // The public one, one per service for mutual TLS, and the test pods' client certificate.
    expect(certificates.sort()).toEqual(['switchyard-public', ...SERVICES.map((service) => `switchyard-${service}`), 'switchyard-test'].sort());
    const ingress = await render([ci('ingress')]);
    expect(named(ingress, 'Ingress')[0].spec).toMatchObject({
      tls: [{ secretName: 'switchyard-public-tls', hosts: ['llm.example.com', 'llm.example.org'] }],
    });
    expect(named(ingress, 'HTTPRoute')).toEqual([]);
  });

  it('render the operator resources in operator mode, and the backing services wired to them', async () => {
    const operators = await render([ci('operators')]);
    expect(named(operators, 'Kafka')[0].metadata.annotations).toMatchObject({ 'strimzi.io/kraft': 'enabled', 'strimzi.io/node-pools': 'enabled' });
    expect(named(operators, 'KafkaNodePool')[0].spec).toMatchObject({ replicas: 3, roles: ['controller', 'broker'] });
    expect(named(operators, 'Cluster')[0].spec).toMatchObject({ instances: 2 });
    expect(named(operators, 'Deployment').map((deployment) => deployment.metadata.name)).toContain('switchyard-valkey');
    const gatewayConfig = named(operators, 'ConfigMap').find((map) => map.metadata.name === 'switchyard-gateway-config');
    expect(gatewayConfig?.data?.['switchyard.yaml']).toContain('switchyard-kafka-kafka-bootstrap.llm.svc.cluster.local:9092');
  });

  it('ship the dashboards as labelled ConfigMaps, and ServiceMonitors only where the CRD exists', async () => {
    const dashboards = named(objects, 'ConfigMap').filter((map) => map.metadata.labels?.grafana_dashboard === '1');
    expect(dashboards.length).toBeGreaterThan(0);
    for (const dashboard of dashboards) for (const json of Object.values(dashboard.data ?? {})) expect(() => JSON.parse(json)).not.toThrow();
    expect(named(objects, 'ServiceMonitor')).toHaveLength(2);
    expect(named(await render([ci('default')]), 'ServiceMonitor')).toEqual([]);
  });

  it('run the semantic service only when turned on: reachable from the gateway alone, and reaching Weaviate on its port', async () => {
    expect(objects.filter((object) => object.metadata.name.startsWith('switchyard-semantic'))).toEqual([]);
    const semantic = await render([ci('ingress')]);
    const deployment = named(semantic, 'Deployment').find((object) => object.metadata.name === 'switchyard-semantic') as KubernetesObject;
    expect(podSpec(deployment).containers[0].args?.[0]).toBe('semantic');
    // mutual TLS is off in these values: the kubelet probes its gRPC health.
    expect(podSpec(deployment).containers[0].readinessProbe).toMatchObject({ grpc: { port: 50054 } });
    expect(JSON.stringify(deployment.spec)).toContain(
      '"envFrom":[{"secretRef":{"name":"switchyard-common"}},{"secretRef":{"name":"switchyard-weaviate"}}]',
    );
    const headless = semantic.find((object) => object.kind === 'Service' && object.metadata.name === 'switchyard-semantic-headless');
    expect(headless?.spec?.clusterIP).toBe('None');
    expect(named(semantic, 'HorizontalPodAutoscaler').map((autoscaler) => autoscaler.metadata.name)).toContain('switchyard-semantic');
    const policy = named(semantic, 'NetworkPolicy').find((object) => object.metadata.name === 'switchyard-semantic') as KubernetesObject;
    const from = JSON.stringify(policy.spec?.ingress);
    expect(from).toContain('"app.kubernetes.io/component":"gateway"');
    for (const other of ['router', 'adapters', 'observability']) expect(from).not.toContain(`"app.kubernetes.io/component":"${other}"`);
    expect(policy.spec?.egress).toEqual([{ ports: [{ port: 8080, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.0.0.0/16' } }] }]);
    const gatewayPolicy = named(semantic, 'NetworkPolicy').find((object) => object.metadata.name === 'switchyard-gateway');
    expect(JSON.stringify(gatewayPolicy?.spec?.egress)).toContain('"app.kubernetes.io/component":"semantic"}}}],"ports":[{"port":50054}]');
  });

  it('give helm test a pod per service that calls its health', () => {
    const tests = named(objects, 'Pod').filter((pod) => pod.metadata.annotations?.['helm.sh/hook'] === 'test');
    expect(tests).toHaveLength(4);
    const commands = tests.map((pod) => JSON.stringify(pod.spec));
    expect(commands.some((command) => command.includes('/readyz'))).toBe(true);
    expect(commands.filter((command) => command.includes('/grpc.health.v1.Health/Check'))).toHaveLength(3);
  });
});

describe('the config each service is given', () => {
  const env = {
    SWITCHYARD_POSTGRES_URL: 'postgres://switchyard:secret@db:5432/switchyard',
    SWITCHYARD_REDIS_URL: 'redis://:secret@redis:6379',
    SWITCHYARD_INFLUX_TOKEN: 'token',
    SWITCHYARD_ADMIN_TOKEN: 'admin-token-0123456789abcdef',
    OPENAI_API_KEY: 'sk-test',
    ANTHROPIC_API_KEY: 'sk-ant-test',
  };
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'switchyard-chart-config-'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it.each(CI_VALUES.map((file) => [path.basename(file), file]))('loads with Switchyard own schema for every service (%s)', async (name, file) => {
    const maps = named(await render([file]), 'ConfigMap').filter((map) => map.metadata.name.endsWith('-config'));
    const services = [...SERVICES, ...(OPTIONAL_SERVICES[name] ?? [])];
    expect(maps.map((map) => map.metadata.labels?.['app.kubernetes.io/component']).sort()).toEqual([...services].sort());
    for (const map of maps) {
      const role = map.metadata.labels?.['app.kubernetes.io/component'] as 'gateway' | 'router' | 'adapters' | 'observability' | 'semantic' | 'edge-ingest';
      const configFile = path.join(directory, `${name}-${role}.yaml`);
      await writeFile(configFile, map.data?.['switchyard.yaml'] ?? '');
      const { config } = loadConfig(configFile, env, { role });
      // Each service listens on every address at its own port and dials the others through their headless Services.
      if (role === 'edge-ingest') {
        // HTTP on its own port; summaries and speech to text to the release's gateway.
        expect(config.edge.port).toBe(8090);
        expect(config.edge.conversations.summary.baseUrl).toBe('http://switchyard-gateway.llm.svc.cluster.local:8080');
      } else if (role !== 'gateway') expect(config.services[role]).toMatch(/^0\.0\.0\.0:\d+$/);
      for (const other of services.filter((service) => service !== role && service !== 'gateway' && service !== 'edge-ingest')) {
        expect(config.services[other as 'router']).toMatch(new RegExp(`^dns:///switchyard-${other}-headless\\.llm\\.svc\\.cluster\\.local:\\d+$`));
      }
      expect(config.server.host).toBe('0.0.0.0');
    }
  });
});

describe('values that are not the chart own', () => {
  it('refuses a typo in a value name, naming it', async () => {
    const result = await template([ci('default')], { set: ['gateway.replicaCont=3'] });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/additional properties 'replicaCont' not allowed|replicaCont/);
  });

  it('refuses a value of the wrong type or shape', async () => {
    const port = await template([ci('default')], { set: ['router.port=http'] });
    expect(port.code).not.toBe(0);
    expect(port.stderr).toContain("at '/router/port': got string, want integer");
    const broker = await template([ci('default')], { set: ['kafka.brokers={kafka}'] });
    expect(broker.code).not.toBe(0);
    expect(broker.stderr).toContain("at '/kafka/brokers/0'");
  });

  it('says what is missing when no Kafka or Postgres is given', async () => {
    const result = await template([]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/kafka\.brokers: set the bootstrap brokers|postgres\.existingSecret|gatewayApi\.gatewayClassName/);
  });
});

describe('the chart unit tests (helm-unittest)', () => {
  it('pass, every suite in charts/switchyard/tests', async () => {
    const result = await runTool(HELM_UNITTEST, ['--color=false', CHART], home.env);
    expect(result.stdout).toMatch(/Test Suites:\s+\d+ passed, \d+ total/);
    expect(result.stdout).not.toMatch(/failed/);
    expect(result.code).toBe(0);
  });
});

describe('the generated files', () => {
  it('README.md matches values.yaml', async () => {
    const result = await runTool(process.execPath, [path.join(ROOT, 'scripts', 'generate-chart-readme.mjs'), '--check']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await readFile(path.join(CHART, 'README.md'), 'utf8')).toContain('| `gateway.autoscaling.enabled` |');
  });

  it('k8s/ matches the chart', async () => {
    const result = await runTool(path.join(ROOT, 'scripts', 'render-k8s-manifests.sh'), ['--check']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

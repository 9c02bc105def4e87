import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '../support/wait-for';
import {
  CHART,
  CI_VALUES,
  HELM,
  HelmHome,
  KUBECONFIG,
  KUBECTL,
  parseObjects,
  requireKubernetes,
  runTool,
  type KubernetesObject,
} from '../support/kubernetes';

/**
 * The chart against a real kube-apiserver (scripts/services.sh up kubernetes): helm v4 installs every
 * ci/*.yaml with server-side apply, which rejects any field the API does not declare; every object is
 * then there, Deployments get ReplicaSets from the controller manager, HPAs exist; `helm upgrade` with
 * another config changes the checksum annotation and rolls a new ReplicaSet; `helm uninstall` removes
 * everything. Pods stay Pending (no kubelet), so nothing waits for them.
 */

const DEADLINE_MS = 60_000;
const RELEASE = 'switchyard';

interface Listed {
  items: Array<KubernetesObject & { metadata: { ownerReferences?: Array<{ kind: string; name: string }> } }>;
}

let home: HelmHome;
const namespaces: string[] = [];

beforeAll(async () => {
  await requireKubernetes();
  home = await HelmHome.create();
});

afterAll(async () => {
  // Whatever a failed test left behind goes with its namespace.
  for (const namespace of namespaces) await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false']);
  await home?.remove();
});

function helm(args: string[]) {
  return runTool(HELM, [...args, '--kubeconfig', KUBECONFIG], home.env);
}

function kubectl(args: string[], input?: string) {
  return runTool(KUBECTL, ['--kubeconfig', KUBECONFIG, ...args], process.env, input);
}

async function kubectlJson<T>(args: string[]): Promise<T> {
  const result = await kubectl([...args, '-o', 'json']);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

function newNamespace(label: string): string {
  const namespace = `chart-${label}-${randomBytes(3).toString('hex')}`.slice(0, 63);
  namespaces.push(namespace);
  return namespace;
}

/** The ReplicaSets of each Deployment, by Deployment name. */
async function replicaSets(namespace: string): Promise<Map<string, Listed['items']>> {
  const listed = await kubectlJson<Listed>(['get', 'replicasets', '-n', namespace]);
  const byDeployment = new Map<string, Listed['items']>();
  for (const set of listed.items) {
    const owner = set.metadata.ownerReferences?.find((reference) => reference.kind === 'Deployment');
    if (owner) byDeployment.set(owner.name, [...(byDeployment.get(owner.name) ?? []), set]);
  }
  return byDeployment;
}

async function checksums(namespace: string): Promise<Map<string, string | undefined>> {
  const listed = await kubectlJson<Listed>(['get', 'deployments', '-n', namespace]);
  return new Map(listed.items.map((deployment) => [deployment.metadata.name, deployment.spec?.template?.metadata?.annotations?.['checksum/config']]));
}

describe.each(CI_VALUES.map((file) => [path.basename(file), file]))('helm install, upgrade and uninstall with %s', (name, file) => {
  const namespace = newNamespace(name.replace(/-values\.yaml$/, ''));
  let manifest: KubernetesObject[] = [];
  let manifestText = '';

  it('installs: the API server accepts every object, Deployments get ReplicaSets, HPAs exist', async () => {
    // Every object the chart renders, the helm test pods included (installed only by `helm test`), passes
    // the API server's strict field validation.
    expect((await kubectl(['create', 'namespace', namespace])).code).toBe(0);
    // Pod Security admission enforces the restricted standard on every pod created in the namespace.
    const labelled = await kubectl(['label', 'namespace', namespace, 'pod-security.kubernetes.io/enforce=restricted']);
    expect(labelled.code).toBe(0);
    const all = await helm(['template', RELEASE, CHART, '--namespace', namespace, '-f', file]);
    expect(all.code).toBe(0);
    const validated = await kubectl(['create', '--dry-run=server', '--validate=strict', '--namespace', namespace, '-f', '-'], all.stdout);
    expect(validated.stderr).toBe('');
    expect(validated.code).toBe(0);
    expect(validated.stdout.trim().split('\n')).toHaveLength(parseObjects(all.stdout).length);

    const installed = await helm(['install', RELEASE, CHART, '--namespace', namespace, '-f', file]);
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);

    const rendered = await helm(['get', 'manifest', RELEASE, '--namespace', namespace]);
    manifestText = rendered.stdout;
    manifest = parseObjects(manifestText);
    expect(manifest.length).toBeGreaterThan(10);
    // Every object the chart rendered is stored, as it was rendered (one read of them all).
    const stored = await kubectl(['get', '-f', '-', '-o', 'json'], rendered.stdout);
    expect(stored.stderr).toBe('');
    const items = (JSON.parse(stored.stdout) as Listed).items;
    expect(items.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual(
      manifest.map((object) => `${object.kind}/${object.metadata.name}`).sort(),
    );

    const deployments = manifest.filter((object) => object.kind === 'Deployment').map((deployment) => deployment.metadata.name);
    await waitFor(
      () => replicaSets(namespace),
      (sets) => deployments.every((deployment) => (sets.get(deployment)?.length ?? 0) === 1),
      { timeoutMs: DEADLINE_MS, what: `a ReplicaSet for each of ${deployments.join(', ')}` },
    );
    // The ReplicaSets' pods were admitted as restricted (they stay Pending: there is no node).
    await waitFor(
      () => kubectlJson<Listed>(['get', 'pods', '-n', namespace]),
      (pods) => deployments.every((deployment) => pods.items.some((pod) => pod.metadata.name.startsWith(`${deployment}-`))),
      { timeoutMs: DEADLINE_MS, what: `a pod of each of ${deployments.join(', ')}` },
    );
    const autoscalers = manifest.filter((object) => object.kind === 'HorizontalPodAutoscaler');
    if (name !== 'minimal-values.yaml') expect(autoscalers.length).toBeGreaterThan(0);
    for (const autoscaler of autoscalers) {
      const stored = await kubectlJson<KubernetesObject>(['get', 'hpa', autoscaler.metadata.name, '-n', namespace]);
      expect(stored.spec).toMatchObject({
        scaleTargetRef: { kind: 'Deployment', name: (autoscaler.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name },
      });
    }
  }, 180_000);

  it('upgrades with another config: the checksum changes and each Deployment rolls a new ReplicaSet', async () => {
    const before = await checksums(namespace);
    const upgraded = await helm(['upgrade', RELEASE, CHART, '--namespace', namespace, '-f', file, '--set', 'config.server.bodyLimitBytes=1048576']);
    expect(upgraded.stderr).toBe('');
    expect(upgraded.code).toBe(0);
    const after = await checksums(namespace);
    const services = [...before.keys()].filter((deployment) => deployment !== `${RELEASE}-valkey`);
    for (const deployment of services) {
      expect(after.get(deployment)).toMatch(/^[0-9a-f]{64}$/);
      expect(after.get(deployment)).not.toBe(before.get(deployment));
    }
    const rolled = await waitFor(
      () => replicaSets(namespace),
      (sets) => services.every((deployment) => (sets.get(deployment)?.length ?? 0) === 2),
      { timeoutMs: DEADLINE_MS, what: `a second ReplicaSet for each of ${services.join(', ')}` },
    );
    for (const deployment of services) {
      const hashes = new Set(rolled.get(deployment)?.map((set) => set.metadata.labels?.['pod-template-hash']));
      expect(hashes.size).toBe(2);
    }
    const stored = await kubectlJson<KubernetesObject>(['get', 'configmap', `${RELEASE}-gateway-config`, '-n', namespace]);
    expect(stored.data?.['switchyard.yaml']).toContain('bodyLimitBytes: 1048576');
  }, 180_000);

  it('uninstalls: every object of the release is gone', async () => {
    const removed = await helm(['uninstall', RELEASE, '--namespace', namespace]);
    expect(removed.code).toBe(0);
    const names = manifest.map((object) => `${object.kind}/${object.metadata.name}`);
    await waitFor(
      async () => (await kubectl(['get', '-f', '-', '-o', 'name', '--ignore-not-found'], manifestText)).stdout.trim(),
      (left) => left === '',
      { timeoutMs: DEADLINE_MS, what: `the release's objects (${names.length}) to be deleted` },
    );
    // The ReplicaSets the Deployments owned are collected too.
    await waitFor(
      () => replicaSets(namespace),
      (sets) => sets.size === 0,
      { timeoutMs: DEADLINE_MS, what: 'the ReplicaSets to be garbage-collected' },
    );
    const releases = await helm(['list', '--namespace', namespace, '--all', '-q']);
    expect(releases.stdout.trim()).toBe('');
  }, 180_000);
});

/** The parts of the rendered Strimzi specs that the typos below change. */
interface KafkaSpec {
  kafka: { listeners: Array<Record<string, unknown>> };
  entityOperator: Record<string, unknown>;
}
interface NodePoolSpec {
  storage: { volumes: Array<Record<string, unknown>> };
}

describe('what the API server refuses', () => {
  let copy: string;

  beforeAll(async () => {
    copy = await mkdtemp(path.join(tmpdir(), 'switchyard-chart-'));
  });

  afterAll(async () => {
    await rm(copy, { recursive: true, force: true });
  });

  it('a typo in a value: the chart schema stops the install before anything is sent', async () => {
    const namespace = newNamespace('typo-value');
    const result = await helm([
      'install',
      RELEASE,
      CHART,
      '--namespace',
      namespace,
      '--create-namespace',
      '-f',
      CI_VALUES[0],
      '--set',
      'gateway.replicaz=2',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/replicaz/);
    expect((await helm(['list', '--namespace', namespace, '--all', '-q'])).stdout.trim()).toBe('');
  }, 60_000);

  it('a typo in a field of a template: server-side apply rejects the undeclared field', async () => {
    const chart = path.join(copy, 'switchyard');
    await cp(CHART, chart, { recursive: true });
    const workload = path.join(chart, 'templates', '_workload.tpl');
    const text = await readFile(workload, 'utf8');
    expect(text).toContain('  revisionHistoryLimit: 5\n');
    await writeFile(workload, text.replace('  revisionHistoryLimit: 5\n', '  revisionHistoryLimit: 5\n  replicaz: 2\n'));

    const namespace = newNamespace('typo-field');
    const result = await helm(['install', RELEASE, chart, '--namespace', namespace, '--create-namespace', '-f', CI_VALUES[0]]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/replicaz/);
    expect(result.stderr).toMatch(/field not declared in schema|unknown field/);
  }, 120_000);

  it("a typo in a Strimzi object of operator mode: Strimzi's own CRDs refuse the field or value", async () => {
    const operators = CI_VALUES.find((file) => path.basename(file) === 'operators-values.yaml');
    if (!operators) throw new Error('charts/switchyard/ci/operators-values.yaml is missing');
    const namespace = newNamespace('typo-strimzi');
    expect((await kubectl(['create', 'namespace', namespace])).code).toBe(0);
    const rendered = await helm(['template', RELEASE, CHART, '--namespace', namespace, '-f', operators]);
    expect(rendered.code).toBe(0);
    const objects = parseObjects(rendered.stdout);
    const kafka = objects.find((object) => object.kind === 'Kafka');
    const pool = objects.find((object) => object.kind === 'KafkaNodePool');
    if (!kafka || !pool) throw new Error('operator mode rendered no Kafka or KafkaNodePool');

    const validate = (object: KubernetesObject) =>
      kubectl(['create', '--dry-run=server', '--validate=strict', '--namespace', namespace, '-f', '-'], JSON.stringify(object));
    // A changed copy of a rendered object: `change` edits its spec.
    const changed = <Spec>(object: KubernetesObject, change: (spec: Spec) => void) => {
      const copy = structuredClone(object);
      change(copy.spec as unknown as Spec);
      return copy;
    };

    // As rendered, both are accepted: the typos below are what is refused.
    for (const object of [kafka, pool]) {
      const accepted = await validate(object);
      expect(accepted.stderr).toBe('');
      expect(accepted.code).toBe(0);
    }

    const unknownInKafka = await validate(
      changed<KafkaSpec>(kafka, (spec) => {
        spec.entityOperator.topicOperatr = spec.entityOperator.topicOperator;
        delete spec.entityOperator.topicOperator;
      }),
    );
    expect(unknownInKafka.code).not.toBe(0);
    expect(unknownInKafka.stderr).toContain('unknown field "spec.entityOperator.topicOperatr"');

    const unknownInPool = await validate(
      changed<NodePoolSpec>(pool, (spec) => {
        spec.storage.volumes[0].deleteClaimz = true;
      }),
    );
    expect(unknownInPool.code).not.toBe(0);
    expect(unknownInPool.stderr).toContain('unknown field "spec.storage.volumes[0].deleteClaimz"');

    const badValue = await validate(
      changed<NodePoolSpec>(pool, (spec) => {
        spec.storage.volumes[0].type = 'persistent-claimz';
      }),
    );
    expect(badValue.code).not.toBe(0);
    expect(badValue.stderr).toMatch(/spec\.storage\.volumes\[0\]\.type: Unsupported value: "persistent-claimz"/);

    const badListener = await validate(
      changed<KafkaSpec>(kafka, (spec) => {
        spec.kafka.listeners[0].port = 'ninety-ninety-two';
      }),
    );
    expect(badListener.code).not.toBe(0);
    expect(badListener.stderr).toMatch(/spec\.kafka\.listeners\[0\]\.port: Invalid value: "string"/);
  }, 120_000);
});

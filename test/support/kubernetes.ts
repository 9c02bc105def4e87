import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * The Helm chart's tools and the test control plane that scripts/services.sh starts (`up kubernetes`):
 * helm and kubectl from the tools dir, the kubeconfig from the services dir.
 */

export const ROOT = path.resolve(__dirname, '..', '..');
export const CHART = path.join(ROOT, 'charts', 'switchyard');
const TOOLS_DIR = path.resolve(process.env.SWITCHYARD_SERVICES_TOOLS_DIR ?? path.join(ROOT, '.services', 'tools'));
const SERVICES_DIR = path.resolve(process.env.SWITCHYARD_SERVICES_DIR ?? path.join(ROOT, '.services'));
export const HELM = path.join(TOOLS_DIR, `helm-${process.env.SWITCHYARD_HELM_VERSION ?? 'v4.3.2'}`, 'helm');
export const HELM_UNITTEST = path.join(TOOLS_DIR, `helm-unittest-${process.env.SWITCHYARD_HELM_UNITTEST_VERSION ?? 'v1.1.2'}`, 'untt');
export const KUBECTL = path.join(TOOLS_DIR, `kubernetes-${process.env.SWITCHYARD_KUBERNETES_VERSION ?? 'v1.35.4'}`, 'kubectl');
export const KUBECONFIG = path.join(SERVICES_DIR, 'kubernetes', 'kubeconfig');

/** The Kubernetes versions the chart supports: Chart.yaml's kubeVersion floor, and the newest tested. */
export const OLDEST_KUBERNETES = '1.29.0';
export const NEWEST_KUBERNETES = '1.35.4';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A Kubernetes object as rendered or read back. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown> & { template?: { metadata?: { annotations?: Record<string, string> }; spec?: Record<string, unknown> } };
  data?: Record<string, string>;
}

/** Folders of helm's own cache and config, so that no test reads or writes the user's. */
export class HelmHome {
  private constructor(readonly directory: string) {}

  static async create(): Promise<HelmHome> {
    return new HelmHome(await mkdtemp(path.join(tmpdir(), 'switchyard-helm-')));
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HELM_CACHE_HOME: path.join(this.directory, 'cache'),
      HELM_CONFIG_HOME: path.join(this.directory, 'config'),
      HELM_DATA_HOME: path.join(this.directory, 'data'),
      KUBECONFIG,
    };
  }

  async remove(): Promise<void> {
    await rm(this.directory, { recursive: true, force: true });
  }
}

/** Runs a tool to its end; never throws for a non-zero exit (the test reads `code`). */
export function runTool(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, input?: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${path.basename(file)} ${args.join(' ')} did not run: ${error.message}`));
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Throws, saying how to get it, when helm has not been built. */
export function requireHelm(): void {
  if (!existsSync(HELM)) {
    throw new Error(`helm is not at ${HELM}: run scripts/services.sh up kubernetes (it builds helm, kubectl and the servers)`);
  }
}

/** Throws, saying how to start it, when the test control plane does not answer. */
export async function requireKubernetes(): Promise<void> {
  requireHelm();
  if (!existsSync(KUBECONFIG) || !existsSync(KUBECTL)) {
    throw new Error(`no test control plane (${KUBECONFIG}): run scripts/services.sh up kubernetes`);
  }
  const ready = await runTool(KUBECTL, ['--kubeconfig', KUBECONFIG, 'get', '--raw', '/readyz']);
  if (ready.code !== 0 || ready.stdout.trim() !== 'ok') {
    throw new Error(`the test kube-apiserver is not ready (${ready.stderr.trim() || ready.stdout.trim()}): run scripts/services.sh up kubernetes`);
  }
}

/** The objects of a multi-document YAML stream (empty documents left out). */
export function parseObjects(text: string): KubernetesObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`invalid YAML rendered: ${document.errors[0].message}`);
      return document.toJSON() as KubernetesObject | null;
    })
    .filter((object): object is KubernetesObject => object !== null && typeof object === 'object');
}

/** Every `ci/*.yaml` of the chart: each is linted, rendered and installed. */
export const CI_VALUES = readdirSync(path.join(CHART, 'ci'))
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => path.join(CHART, 'ci', name));

import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ModelFiles } from '../local-model/model-runner';

export interface HubModel {
  /** Repository id, `owner/name`. */
  model: string;
  revision: string;
  /** The hub's base URL (`https://huggingface.co`, or a mirror). */
  hubUrl: string;
  cacheDirectory: string;
  /** A hub token (the value, resolved from its environment variable). */
  token?: string;
}

/** The files a BERT sentence-embedding repository holds, by the names the hub uses. */
const FILES: Array<{ key: keyof ModelFiles; name: string }> = [
  { key: 'configPath', name: 'config.json' },
  { key: 'tokenizerPath', name: 'tokenizer.json' },
  { key: 'weightsPath', name: 'model.safetensors' },
];

const SEGMENT = /^(?!\.)[\w.-]+$/;

/** Where a model's files are kept: `<cache>/<owner>--<name>/<revision>/`. */
export function modelFolder(hub: HubModel): string {
  const [owner, name, extra] = hub.model.split('/');
  if (!owner || !name || extra !== undefined || !SEGMENT.test(owner) || !SEGMENT.test(name)) {
    throw new Error(`embedding model ${JSON.stringify(hub.model)} is not a repository id such as BAAI/bge-small-en-v1.5`);
  }
  if (!SEGMENT.test(hub.revision)) throw new Error(`revision ${JSON.stringify(hub.revision)} is not a branch, tag or commit`);
  return path.resolve(hub.cacheDirectory, `${owner}--${name}`, hub.revision);
}

/**
 * The model's files, downloaded from the hub on first use into the cache
 * folder and read from there afterwards. Each file is written to a temporary
 * name and renamed when complete, so an interrupted download is never taken
 * for a model.
 */
export async function downloadModel(hub: HubModel, fetchImplementation: typeof fetch = fetch): Promise<ModelFiles> {
  const folder = modelFolder(hub);
  await fs.promises.mkdir(folder, { recursive: true });
  const files = {} as ModelFiles;
  for (const { key, name } of FILES) {
    const target = path.join(folder, name);
    files[key] = target;
    if (fs.existsSync(target)) continue;
    const url = `${hub.hubUrl.replace(/\/+$/, '')}/${hub.model}/resolve/${encodeURIComponent(hub.revision)}/${name}`;
    let response: Response;
    try {
      response = await fetchImplementation(url, { headers: hub.token ? { authorization: `Bearer ${hub.token}` } : {}, redirect: 'follow' });
    } catch (error) {
      throw new Error(`downloading ${name} of embedding model ${hub.model} from ${url} failed: ${(error as Error).message}`, { cause: error });
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      const hint = response.status === 401 || response.status === 403 ? ' (a gated model needs embedder.token)' : '';
      throw new Error(`downloading ${name} of embedding model ${hub.model} from ${url} failed: HTTP ${response.status}${hint}`);
    }
    const partial = `${target}.${process.pid}.${Date.now()}.partial`;
    try {
      await pipeline(Readable.fromWeb(response.body), fs.createWriteStream(partial));
      await fs.promises.rename(partial, target);
    } catch (error) {
      await fs.promises.rm(partial, { force: true });
      throw new Error(`downloading ${name} of embedding model ${hub.model} failed: ${(error as Error).message}`, { cause: error });
    }
  }
  return files;
}

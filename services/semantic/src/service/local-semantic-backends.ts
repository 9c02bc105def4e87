import { GatewayError, type Logger, type SwitchyardConfig } from '@switchyard/shared';
import type { SemanticBackends } from '../transport/semantic-backends';

export interface LocalSemanticBackends extends SemanticBackends {
  /** Closes what was created (threads, files, connections); nothing when nothing was. */
  close(): Promise<void>;
}

interface Closable {
  close(): Promise<void>;
}

/**
 * The in-process embedder, vector store and guardrail checker, each built
 * from config on first use and then kept: what the semantic service serves
 * over gRPC. A part whose implementation this build lacks fails every call
 * with a 501 naming it (each folder's factory replaces its `missing` line).
 */
export function localSemanticBackends(_config: SwitchyardConfig, _logger: Logger): LocalSemanticBackends {
  const created: Closable[] = [];
  const onFirstUse = <Part extends Partial<Closable>>(build: () => Part): (() => Part) => {
    let part: Part | undefined;
    return () => {
      if (part === undefined) {
        part = build();
        if (part.close) created.push(part as Closable);
      }
      return part;
    };
  };
  return {
    embedder: onFirstUse(() => missing('embedder', 'services/semantic/src/embedders')),
    vectorStore: onFirstUse(() => missing('vector store', 'services/semantic/src/stores')),
    guardrails: onFirstUse(() => missing('guardrail checker', 'services/semantic/src/guardrails')),
    close: async () => {
      for (const part of created.splice(0).reverse()) await part.close();
    },
  };
}

function missing(part: string, folder: string): never {
  throw new GatewayError(`This build has no in-process ${part} (${folder}).`, {
    status: 501,
    errorClass: 'unavailable',
    code: 'semantic_backend_missing',
  });
}

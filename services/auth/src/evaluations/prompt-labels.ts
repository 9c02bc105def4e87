import type { Logger } from '@switchyard/shared';
import type { PromptChangeBus } from '../prompts/prompt-change-bus';
import type { PromptStore } from '../prompts/prompt-store';

/**
 * What the promotion pipeline needs of the prompt store: where a label
 * points, and moving it (atomically, with its history, as every label move).
 */
export interface PromptLabels {
  /** The version `label` of prompt `name` points to; undefined when the prompt or the label does not exist. */
  versionOf(workspace: string, name: string, label: string): Promise<number | undefined>;
  /** Points `label` at `version`; `actor` is who moved it. */
  move(workspace: string, name: string, label: string, version: number, actor: string): Promise<void>;
}

/**
 * The prompt store's labels: a move goes through `moveLabel` (atomic, with
 * its history) and is announced on the change bus, so every gateway's
 * prompt cache drops the old version as for a move through the prompt routes.
 */
export function promptStoreLabels(store: PromptStore, changes: PromptChangeBus, logger?: Logger): PromptLabels {
  return {
    versionOf: async (workspace, name, label) => (await store.getByLabel(workspace, name, label))?.version,
    move: async (workspace, name, label, version, actor) => {
      await store.moveLabel(workspace, name, label, version, actor);
      await changes
        .publish({ workspace, name })
        .catch((error: unknown) => logger?.warn({ err: error, prompt: name }, 'prompt-changes-publish-failed'));
    },
  };
}

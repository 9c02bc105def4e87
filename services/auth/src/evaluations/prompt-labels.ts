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

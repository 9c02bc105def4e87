import type { WorkspaceScope } from '@switchyard/shared';
import type { ResponseItem } from '../responses-wire/parse-responses-request';

/** One stored response: what it was asked, what it answered, and where it belongs. */
export interface StoredResponse {
  id: string;
  workspace: string;
  createdAt: Date;
  previousResponseId?: string;
  user: string;
  inputItems: ResponseItem[];
  outputItems: ResponseItem[];
  /** The `Response` object as the client received it. */
  response: Record<string, unknown>;
}

/**
 * The Responses API's stored state (`store: true`), scoped by workspace: a
 * response of another workspace is never returned, and is reported as
 * missing rather than forbidden.
 */
export interface ResponseStore {
  save(response: StoredResponse): Promise<void>;
  /** Undefined when there is none with that id in `scope`. */
  get(id: string, scope: WorkspaceScope): Promise<StoredResponse | undefined>;
  /**
   * The conversation up to and including `id`, oldest first: each
   * response's input items then its output items. Undefined when `id` is not
   * stored in `workspace` (deleted, never stored, or another workspace's).
   */
  conversation(id: string, workspace: string): Promise<ResponseItem[] | undefined>;
  /** False when there was none with that id in `scope`. */
  delete(id: string, scope: WorkspaceScope): Promise<boolean>;
  /** Deletes every stored response of one end user (the requests' `user`) in `scope`; returns how many. */
  deleteUser(user: string, scope: WorkspaceScope): Promise<number>;
}

export interface ResponseStoreOptions {
  /** `observability.retentionDays`: older responses are neither returned nor kept. */
  retentionDays?: number;
  /** Epoch ms; injected by tests. */
  now?: () => number;
}

import {
  InProcessChangeBus,
  parseJsonObject,
  RedisChangeBus,
  type ChangeBus,
  type ChangeKind,
  type RedisChangeBusOptions,
} from '../change-bus/change-bus';

/** A prompt whose labels moved (or that got a version): every cache forgets what it held of it. */
export interface PromptChange {
  workspace: string;
  name: string;
}

/**
 * How a label move reaches every gateway's prompt cache: in process with one
 * process, over Redis pub/sub between replicas (as key revocations do).
 */
export type PromptChangeBus = ChangeBus<PromptChange>;

export class InProcessPromptChangeBus extends InProcessChangeBus<PromptChange> {}

export const PROMPT_CHANGES_CHANNEL = 'switchyard:auth:prompt-changes';

const PROMPT_CHANGES: ChangeKind<PromptChange> = {
  defaultChannel: PROMPT_CHANGES_CHANNEL,
  logName: 'prompt-changes',
  unreachable: 'other replicas’ label moves arrive when cache entries expire',
  parse: (message) => {
    const parsed = parseJsonObject(message);
    return typeof parsed?.workspace === 'string' && typeof parsed.name === 'string' ? { workspace: parsed.workspace, name: parsed.name } : undefined;
  },
};

/** Label moves over Redis pub/sub; every reconnect tells the caches to forget everything. */
export type RedisPromptChangeBus = RedisChangeBus<PromptChange>;
export const RedisPromptChangeBus = {
  /** `channel` defaults to `switchyard:auth:prompt-changes`. */
  connect: (options: RedisChangeBusOptions): Promise<RedisPromptChangeBus> => RedisChangeBus.connect(options, PROMPT_CHANGES),
};

import { InProcessChangeBus, RedisChangeBus, type ChangeBus, type ChangeKind, type RedisChangeBusOptions } from '../change-bus/change-bus';

export const LIMIT_CHANGES_CHANNEL = 'switchyard:auth:limit-changes';

/**
 * How a change of the stored rate limits and budgets reaches every gateway:
 * in process with one process, over Redis pub/sub between replicas. The
 * message carries nothing but "reload": the rules are read from the database.
 */
export interface LimitChangeBus {
  publish(): Promise<void>;
  /** `listener` runs for every change published here or elsewhere, and when some may have been missed (a reconnect). */
  subscribe(listener: () => void): () => void;
  close(): Promise<void>;
}

/** A `ChangeBus` of reload messages, for which a missed message and a message mean the same: reload. */
class ReloadBus implements LimitChangeBus {
  constructor(private readonly bus: ChangeBus<'reload'>) {}

  publish(): Promise<void> {
    return this.bus.publish('reload');
  }

  subscribe(listener: () => void): () => void {
    return this.bus.subscribe(() => listener(), listener);
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}

export class InProcessLimitChangeBus extends ReloadBus {
  constructor() {
    super(new InProcessChangeBus<'reload'>());
  }
}

const LIMIT_CHANGES: ChangeKind<'reload'> = {
  defaultChannel: LIMIT_CHANGES_CHANNEL,
  logName: 'limit-changes',
  unreachable: 'other replicas’ changes arrive with the periodic reload',
  // Any message on the channel means "reload".
  parse: () => 'reload',
};

/** Over Redis pub/sub; every reconnect counts as a change (what was sent meanwhile is lost). */
export const RedisLimitChangeBus = {
  /** `channel` defaults to `switchyard:auth:limit-changes`. */
  connect: async (options: RedisChangeBusOptions): Promise<LimitChangeBus> => new ReloadBus(await RedisChangeBus.connect(options, LIMIT_CHANGES)),
};

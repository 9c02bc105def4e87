import type { SqlClient } from '@switchyard/database';
import {
  createEdgeSpeech,
  createOmiEndpoints,
  EdgeIngestMetrics,
  startConversationTracking,
  type AudioPipelineFactory,
  type EdgeAuthenticate,
  type EdgeSpeech,
  type OmiEndpoints,
} from '@switchyard/edge-ingest';
import type { EventPublisher } from '@switchyard/events';
import type { GatewayServerOptions } from '@switchyard/gateway';
import type { Logger, SwitchyardConfig } from '@switchyard/shared';
import type { Registry } from 'prom-client';

export interface EdgeIngestWiring {
  /** Omi's routes over a way to authenticate (undefined with `edge.enabled: false`). */
  endpoints?: (authenticate: EdgeAuthenticate) => OmiEndpoints;
  /** Spread into the gateway's options: Omi's routes on its port (none with `edge.enabled: false`). */
  gatewayOptions: Pick<GatewayServerOptions, 'edgeIngest'>;
  /** The gateway's own address once it listens: summaries and cloud speech to text go there unless configured elsewhere. */
  listening(url: string): void;
  /** Ends the open conversations (summarised) and unloads the speech engine; after the gateway has closed its streams. */
  close(): Promise<void>;
}

export interface EdgeIngestSetup {
  /** The records database: conversations are stored there (none: only published). */
  client?: () => Promise<SqlClient>;
  /** Segment and conversation events: the in-process bus, or Kafka. */
  publisher?: EventPublisher;
  /** Where the edge's counters go (the gateway's registry). */
  registry?: Registry;
}

/**
 * Edge ingest in the process that runs it (the gateway in one process, the
 * `edge-ingest` role in distributed mode): the conversation tracker of
 * `edge.conversations` and the audio pipelines of `edge.speech`, loaded at
 * the first stream so a process that never sees one loads no model.
 */
export function wireEdgeIngest(config: SwitchyardConfig, logger: Logger, setup: EdgeIngestSetup): EdgeIngestWiring {
  if (!config.edge.enabled) return { gatewayOptions: {}, listening: () => undefined, close: async () => undefined };
  let ownUrl: string | undefined;
  const gatewayUrl = () => {
    if (ownUrl === undefined) throw new Error('the gateway does not listen yet');
    return ownUrl;
  };
  const tracking = startConversationTracking({ config: config.edge.conversations, client: setup.client, publisher: setup.publisher, gatewayUrl, logger });
  let speech: Promise<EdgeSpeech> | undefined;
  let loaded: EdgeSpeech | undefined;
  const prepare = async () => {
    if (loaded) return;
    speech ??= createEdgeSpeech(config.edge.speech, { gatewayBaseUrl: ownUrl });
    try {
      loaded = await speech;
    } catch (error) {
      // The next stream tries again (the engine may come back); this one is told stt_failed.
      speech = undefined;
      throw error;
    }
  };
  const pipelines: AudioPipelineFactory = (options, listener) => {
    if (!loaded) throw new Error('the speech engine is not loaded');
    return loaded.pipelines(options, listener);
  };
  const endpoints = (authenticate: EdgeAuthenticate): OmiEndpoints =>
    createOmiEndpoints({
      config: config.edge,
      authenticate,
      tracker: tracking.tracker,
      pipelines,
      prepare,
      logger,
      metrics: new EdgeIngestMetrics(setup.registry),
    });
  return {
    endpoints,
    gatewayOptions: { edgeIngest: endpoints },
    listening: (url) => (ownUrl = dialable(url)),
    close: async () => {
      await tracking.close();
      await (loaded ?? (await speech?.catch(() => undefined)))?.close();
    },
  };
}

/** A wildcard bind address is not one to dial: the loopback of the same family is. */
function dialable(url: string): string {
  return url.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://[::1]:');
}

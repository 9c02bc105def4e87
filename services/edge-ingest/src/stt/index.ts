import type { EdgeSpeechConfig } from '@switchyard/shared';
import type { SpeechToText } from '../contracts';
import { GatewaySpeechToText } from './gateway';
import { createOfflineEngine } from './offline';

export * from './gateway';
export * from './offline';

/** What an engine may need beyond its config section. */
export interface SpeechToTextContext {
  /** The gateway's own address, for `gateway` when `edge.speech.gateway.baseUrl` is left out (one process). */
  gatewayBaseUrl?: string;
  /** Where `offline` finds its runtime and model (default `$SWITCHYARD_SERVICES_TOOLS_DIR`, else the repository's `.services/tools`). */
  toolsDirectory?: string;
}

export type SpeechToTextEngineFactory = (config: EdgeSpeechConfig, context: SpeechToTextContext) => SpeechToText | Promise<SpeechToText>;

/** The model `gateway` asks for when `edge.speech.model` is left out. */
export const DEFAULT_GATEWAY_TRANSCRIPTION_MODEL = 'whisper-1';

/**
 * The engines by `edge.speech.engine`. The offline engine (stt/offline/) adds
 * itself here: one line, `offline: createOfflineSpeechToText`.
 */
export const SPEECH_TO_TEXT_ENGINES: Partial<Record<EdgeSpeechConfig['engine'], SpeechToTextEngineFactory>> = {
  offline: (config, context) => createOfflineEngine(config.model, context.toolsDirectory),
  gateway: (config, context) => {
    const baseUrl = config.gateway.baseUrl ?? context.gatewayBaseUrl;
    if (!baseUrl) throw new Error('edge.speech.gateway.baseUrl: needed for engine "gateway" where the gateway does not run in this process');
    return new GatewaySpeechToText({
      baseUrl,
      model: config.model ?? DEFAULT_GATEWAY_TRANSCRIPTION_MODEL,
      responseFormat: config.gateway.responseFormat,
      timeoutMs: config.gateway.timeoutMs,
      retries: config.gateway.retries,
    });
  },
};

/** The speech-to-text engine `edge.speech.engine` names. */
export async function createSpeechToText(config: EdgeSpeechConfig, context: SpeechToTextContext = {}): Promise<SpeechToText> {
  const factory = SPEECH_TO_TEXT_ENGINES[config.engine];
  if (!factory) {
    const known = Object.keys(SPEECH_TO_TEXT_ENGINES).join(', ');
    throw new Error(`edge.speech.engine: "${config.engine}" is not available in this build (available: ${known})`);
  }
  return factory(config, context);
}

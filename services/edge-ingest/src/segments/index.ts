import type { EdgeSpeechConfig } from '@switchyard/shared';
import type { AudioPipelineFactory, SpeechToText } from '../contracts';
import { createSpeechToText, type SpeechToTextContext } from '../stt';
import { loadSileroVad, type VoiceActivityModel } from '../vad';
import { VadAudioPipeline, type AudioPipelineEngines } from './audio-pipeline';
import { createAudioPipelineCounters, type AudioPipelineCounters } from './audio-pipeline-counters';

export * from './audio-pipeline';
export * from './audio-pipeline-counters';
export * from './linear-resampler';

/** The `AudioPipelineFactory` the socket and the offline sync use: one pipeline per stream over shared engines. */
export function createAudioPipelineFactory(
  config: EdgeSpeechConfig,
  engines: { speechToText: SpeechToText; voiceActivity: VoiceActivityModel; counters?: AudioPipelineCounters },
): AudioPipelineFactory {
  const shared: AudioPipelineEngines = { ...engines, counters: engines.counters ?? createAudioPipelineCounters() };
  return (options, listener) => new VadAudioPipeline(config, shared, options, listener);
}

/** Everything `edge.speech` needs, loaded: the VAD model, the speech-to-text engine and the factory over them. */
export interface EdgeSpeech {
  pipelines: AudioPipelineFactory;
  counters: AudioPipelineCounters;
  close(): Promise<void>;
}

export async function createEdgeSpeech(config: EdgeSpeechConfig, context: SpeechToTextContext = {}): Promise<EdgeSpeech> {
  const speechToText = await createSpeechToText(config, context);
  let voiceActivity: VoiceActivityModel;
  try {
    voiceActivity = await loadSileroVad();
  } catch (error) {
    await speechToText.close();
    throw error;
  }
  const counters = createAudioPipelineCounters();
  return {
    pipelines: createAudioPipelineFactory(config, { speechToText, voiceActivity, counters }),
    counters,
    async close() {
      await Promise.all([speechToText.close(), voiceActivity.close()]);
    },
  };
}

/**
 * What every stream's pipeline did, added up for the process: the socket's
 * metrics read these (nothing here depends on a metrics library).
 */
export interface AudioPipelineCounters {
  /** Pipelines open now. */
  streams: number;
  /** `push` calls refused because the stream's queue was full, and the audio they held. */
  shedPushes: number;
  shedSeconds: number;
  /** 512-sample windows run through voice-activity detection (32 ms of audio each). */
  vadWindows: number;
  /** Utterances too short to be speech (below `vad.minSpeechMs`), never transcribed. */
  utterancesIgnored: number;
  transcriptions: number;
  transcriptionFailures: number;
  /** Segments sent to the listener (a growing segment counts each time it is re-sent). */
  segmentUpdates: number;
}

export function createAudioPipelineCounters(): AudioPipelineCounters {
  return {
    streams: 0,
    shedPushes: 0,
    shedSeconds: 0,
    vadWindows: 0,
    utterancesIgnored: 0,
    transcriptions: 0,
    transcriptionFailures: 0,
    segmentUpdates: 0,
  };
}

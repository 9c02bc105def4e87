// Voice-activity detection: Silero VAD (onnxruntime, CPU) and the gate that turns its probabilities into utterances.
export * from './silero-vad';
export * from './voice-activity-gate';

export * from './gateway-speech-to-text';
export * from './wav-encoding';

export * from './offline-speech-to-text';

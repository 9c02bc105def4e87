// The reference phone relay: the device's Opus encoder and Bluetooth framing, the app's reassembly and socket.
export * from './ble-notifications';
export * from './fault-injector';
export * from './flite-speech';
export * from './omi-relay';
export * from './opus-frame-encoder';
export * from './wav-file';
export * from './word-error-rate';

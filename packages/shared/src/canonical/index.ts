export * from './chat-request';
export * from './chat-response';
export * from './deployment';
export * from './embedding';
export * from './finish-reason';
export * from './stream-part';
export * from './usage';
export * from './transcription';

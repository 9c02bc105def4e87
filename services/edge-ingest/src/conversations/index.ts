export * from './conversation-store';
export * from './conversation-summarizer';
export * from './conversation-events';
export * from './conversation-tracker';

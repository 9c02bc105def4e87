export * from './conversation-store';
export * from './conversation-summarizer';
export * from './conversation-events';
export * from './conversation-tracker';
export * from './conversation-webhooks';
export * from './conversation-tracking';
export { isPublicAddress } from './webhook-address-policy';

export * from './topics';
export * from './switchyard-event';
export * from './event-publisher';

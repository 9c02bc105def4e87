export * from './topics';
export * from './switchyard-event';
export * from './event-publisher';
export * from './publisher-metrics';
export * from './durable-spool';
export * from './in-process-event-bus';

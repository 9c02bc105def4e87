export * from './topics';
export * from './switchyard-event';
export * from './event-publisher';
export * from './publisher-metrics';
export * from './durable-spool';
export * from './in-process-event-bus';
export * from './kafka-event-publisher';
export * from './ensure-topics';

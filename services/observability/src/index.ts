export { InfluxEventWriter, type InfluxEventWriterOptions } from './influx/influx-event-writer';
export { COSTS_MEASUREMENT, REQUESTS_MEASUREMENT, pointTimestamp } from './influx/influx-points';
export { FanOutSink, SinkWriteError } from './consumers/fan-out-sink';
export { ConsumerMetrics } from './consumers/consumer-metrics';
export { DEAD_LETTER_HEADERS, DEAD_LETTER_TOPIC } from './consumers/dead-letter';
export { DEFAULT_CONSUMER_GROUP_ID, KafkaEventConsumer, type KafkaEventConsumerOptions } from './consumers/kafka-event-consumer';
export {
  startObservabilityConsumers,
  type ObservabilityConsumersOptions,
  type RunningObservabilityConsumers,
} from './consumers/run-consumers';

/**
 * scripts/services.sh gives the tests real servers: the shared ones answer, and a dedicated Kafka and a
 * dedicated PostgreSQL keep their data across a stop and a start.
 */
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import {
  INFLUX_DATABASE,
  INFLUX_URL,
  KAFKA_BROKERS,
  POSTGRES_URL,
  REDIS_URL,
  describeKafka,
  requireInflux,
  requireKafka,
  requirePostgres,
  requireRedis,
  sendRedisCommand,
  startDedicatedKafka,
  startDedicatedPostgres,
  type DedicatedKafka,
  type DedicatedPostgres,
} from '../support/infrastructure';

const BROKER_START_TIMEOUT = 180_000;
const KAFKA_TEST_TIMEOUT = 120_000;

function kafkaClient(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'services-script-test', brokers, logLevel: logLevel.NOTHING });
}

async function produce(brokers: string[], topic: string, values: string[]): Promise<void> {
  const producer = kafkaClient(brokers).producer({ idempotent: true, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value) => ({ key: topic, value })) });
  } finally {
    await producer.disconnect();
  }
}

/** Reads `count` messages of `topic` from the beginning with a new consumer group. */
async function consume(brokers: string[], topic: string, count: number): Promise<string[]> {
  const consumer = kafkaClient(brokers).consumer({ groupId: `${topic}-reader-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${values.length} of ${count} messages of ${topic}`)), 60_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value?.toString() ?? '');
            if (values.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return values;
  } finally {
    await consumer.disconnect();
  }
}

async function createTopic(brokers: string[], topic: string, numPartitions: number): Promise<void> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

describe('shared servers from scripts/services.sh', () => {
  beforeAll(async () => {
    await Promise.all([requirePostgres(), requireRedis(), requireKafka(), requireInflux()]);
  }, 60_000);

  test('PostgreSQL runs a query as the switchyard role', async () => {
    const client = new Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const result = await client.query<{ user: string; sum: number }>('select current_user as user, 40 + 2 as sum');
      expect(result.rows).toEqual([{ user: new URL(POSTGRES_URL).username, sum: 42 }]);
    } finally {
      await client.end();
    }
  });

  test('Redis answers PING', async () => {
    await expect(sendRedisCommand(REDIS_URL, 'PING')).resolves.toBe('+PONG');
  });

  test(
    'Kafka takes idempotent produces and serves them to a consumer group',
    async () => {
      const topic = `services-script-${Date.now()}`;
      await createTopic(KAFKA_BROKERS, topic, 3);
      await produce(KAFKA_BROKERS, topic, ['first', 'second']);
      await expect(consume(KAFKA_BROKERS, topic, 2)).resolves.toEqual(['first', 'second']);
    },
    KAFKA_TEST_TIMEOUT,
  );

  test('InfluxDB takes a write to database/autogen and answers a Flux query', async () => {
    const influx = new InfluxDB({ url: INFLUX_URL, token: '' });
    const measurement = `services_script_${Date.now()}`;
    const writeApi = influx.getWriteApi('', `${INFLUX_DATABASE}/autogen`, 'ms');
    writeApi.writePoint(new Point(measurement).tag('check', 'services-script').floatField('value', 42));
    await writeApi.close();

    const rows = await influx
      .getQueryApi('')
      .collectRows<{ _value: number; check: string }>(
        `from(bucket: "${INFLUX_DATABASE}/autogen") |> range(start: -1h) |> filter(fn: (r) => r._measurement == "${measurement}")`,
      );
    expect(rows.map((row) => [row.check, row._value])).toEqual([['services-script', 42]]);
  });
});

describe('a dedicated Kafka from startDedicatedKafka()', () => {
  let kafka: DedicatedKafka;

  beforeAll(async () => {
    kafka = await startDedicatedKafka();
  }, BROKER_START_TIMEOUT);

  afterAll(async () => {
    await kafka?.destroy();
  }, BROKER_START_TIMEOUT);

  test(
    'is independent of the shared broker and keeps a produced message across stop and start',
    async () => {
      expect(kafka.brokers).not.toEqual(KAFKA_BROKERS);
      const shared = await describeKafka(KAFKA_BROKERS);
      const dedicated = await describeKafka(kafka.brokers);
      expect(dedicated.clusterId).not.toBe(shared.clusterId);

      const topic = `dedicated-${Date.now()}`;
      await createTopic(kafka.brokers, topic, 1);
      await produce(kafka.brokers, topic, ['kept across a restart']);

      await kafka.stop();
      await expect(describeKafka(kafka.brokers)).rejects.toThrow();

      await kafka.start();
      await expect(describeKafka(kafka.brokers)).resolves.toEqual(dedicated);
      await expect(consume(kafka.brokers, topic, 1)).resolves.toEqual(['kept across a restart']);
    },
    BROKER_START_TIMEOUT * 2,
  );
});

describe('a dedicated PostgreSQL from startDedicatedPostgres()', () => {
  let postgres: DedicatedPostgres;

  beforeAll(async () => {
    postgres = await startDedicatedPostgres();
  }, BROKER_START_TIMEOUT);

  afterAll(async () => {
    await postgres?.destroy();
  }, BROKER_START_TIMEOUT);

  async function query<Row extends object>(sql: string): Promise<Row[]> {
    const client = new Client({ connectionString: postgres.url, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return (await client.query<Row>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  test(
    'listens on its own port and keeps a committed row across stop and start',
    async () => {
      expect(new URL(postgres.url).port).not.toBe(new URL(POSTGRES_URL).port);
      await query('create table kept (value text)');
      await query(`insert into kept values ('kept across a restart')`);

      await postgres.stop();
      await expect(query('select 1')).rejects.toThrow();

      await postgres.start();
      await expect(query<{ value: string }>('select value from kept')).resolves.toEqual([{ value: 'kept across a restart' }]);
    },
    KAFKA_TEST_TIMEOUT,
  );
});

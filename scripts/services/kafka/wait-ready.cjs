// Waits until a Kafka broker answers a metadata request:
//   node wait-ready.cjs <host:port> <seconds> [pid]
// Exits 0 once the cluster description lists a broker; 1 with the last error when time runs out or
// when the broker process <pid> (if given) has exited.
'use strict';
const path = require('node:path');
const { Kafka, logLevel } = require(require.resolve('kafkajs', { paths: [path.resolve(__dirname, '../../..')] }));

const [broker, seconds = '60', pid] = process.argv.slice(2);
const deadline = Date.now() + Number(seconds) * 1000;

function processAlive() {
  if (!pid) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
}

async function describeOnce() {
  const kafka = new Kafka({
    clientId: 'switchyard-services-ready',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('the cluster lists no broker yet');
    return cluster;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

(async () => {
  let lastError;
  while (Date.now() < deadline) {
    if (!processAlive()) {
      console.error(`the broker process ${pid} has exited`);
      process.exit(1);
    }
    try {
      const cluster = await describeOnce();
      console.log(`cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)`);
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  console.error(`no metadata from ${broker}: ${lastError ? lastError.message : 'timed out'}`);
  process.exit(1);
})();

// Drives kafkajs against a broker: produce COUNT messages (acks=all), consume them back in consumer group
// GROUP (subscribe, from the beginning, manual commits), commit the next offset of every partition, and
// print one JSON line to stdout: {"client","produced","consumed","distinct","committed":{partition:offset}}.
// Usage: node kafkajs-roundtrip.js <bootstrap> <topic> <group> <count>
// Exits non-zero (with the reason on stderr) on any error or when the messages do not all arrive in time.
'use strict';
const { Kafka, logLevel, Partitioners } = require('kafkajs');

const [bootstrap, topic, groupId, countText] = process.argv.slice(2);
const count = Number.parseInt(countText, 10);
const consumeDeadlineMs = 20000;

// kafkajs logs to stdout by default; stdout carries only the JSON result, so logs go to stderr.
const logCreator = () => ({ namespace, level, log }) =>
  process.stderr.write(`[kafkajs ${level}] ${namespace}: ${log.message} ${log.error || ''}\n`);

async function main() {
  const kafka = new Kafka({
    clientId: `kafkajs-${groupId}`,
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    logCreator,
    retry: { retries: 3 },
  });

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `kafkajs-${i}` }));
  const produced = await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 6000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const seen = new Set();
  const nextOffsets = new Map(); // partition => offset after the last message handled
  let consumed = 0;
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.size}/${count} messages within ${consumeDeadlineMs} ms`)), consumeDeadlineMs);
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        consumed++;
        seen.add(message.value.toString());
        const next = BigInt(message.offset) + 1n;
        if (!nextOffsets.has(partition) || nextOffsets.get(partition) < next) nextOffsets.set(partition, next);
        if (seen.size === count) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await done;
  const offsets = [...nextOffsets].map(([partition, offset]) => ({ topic, partition, offset: offset.toString() }));
  await consumer.commitOffsets(offsets);
  await consumer.disconnect();

  const committed = Object.fromEntries([...nextOffsets].map(([p, o]) => [p, Number(o)]));
  const result = { client: 'kafkajs', produced: produced.length > 0 ? count : 0, consumed, distinct: seen.size, committed };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`kafkajs round trip failed: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  });

"""Drives kafka-python against a broker: produce COUNT messages (acks=all), consume them back in consumer
group GROUP (subscribe, from the earliest offset, manual commit), commit, and print one JSON line to stdout:
{"client","produced","consumed","distinct","committed":{partition:offset}}.

Usage: /usr/bin/python3 kafka-python-roundtrip.py <bootstrap> <topic> <group> <count>
Exits non-zero (with the reason on stderr) on any error or when the messages do not all arrive in time.
"""
import json
import logging
import sys
import time

from kafka import KafkaConsumer, KafkaProducer

CONSUME_DEADLINE_SECONDS = 20


def main(bootstrap, topic, group, count):
    # Logs to stderr only: stdout carries just the JSON result.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="[kafka-python %(levelname)s] %(name)s: %(message)s")

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", client_id="kafka-python-" + group, request_timeout_ms=10000)
    futures = [producer.send(topic, key=("k%d" % i).encode(), value=("kafka-python-%d" % i).encode()) for i in range(count)]
    producer.flush(timeout=15)
    produced = sum(1 for future in futures if future.get(timeout=15).offset >= 0)
    producer.close(timeout=5)

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        client_id="kafka-python-" + group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
        request_timeout_ms=10000,
    )
    seen = set()
    consumed = 0
    committed = {}
    deadline = time.monotonic() + CONSUME_DEADLINE_SECONDS
    while len(seen) < count:
        if time.monotonic() > deadline:
            raise RuntimeError("only %d/%d messages within %d s" % (len(seen), count, CONSUME_DEADLINE_SECONDS))
        for partition, records in consumer.poll(timeout_ms=500).items():
            for record in records:
                consumed += 1
                seen.add(record.value.decode())
                committed[partition.partition] = max(committed.get(partition.partition, 0), record.offset + 1)
    # Commits the position of every assigned partition: exactly the offsets after the messages handled.
    consumer.commit()
    consumer.close()

    print(json.dumps({"client": "kafka-python", "produced": produced, "consumed": consumed, "distinct": len(seen), "committed": committed}))


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))

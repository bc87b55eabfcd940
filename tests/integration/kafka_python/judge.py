"""The test broker judged by kafka-python: produce, then read back, and print one JSON line.

  python3 judge.py BOOTSTRAP TOPIC MODE [SASL_MECHANISM USER PASSWORD]

MODE "idempotent": 2,000 keyed records, acks=all, idempotence on, gzip; then every record
read back (no consumer group: assigned partitions from the beginning).
MODE "transactions": three transactions of 1,000 records (commit, abort, commit); then a
read_committed read-back.
The output names what was acknowledged (partition and offset of each record) and what was
read (partition, offset, key, value), so the caller checks them against its own model.
"""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

bootstrap, topic, mode = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
security = {}
if len(sys.argv) > 4:
    security = dict(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism=sys.argv[4],
        sasl_plain_username=sys.argv[5],
        sasl_plain_password=sys.argv[6],
    )

acked = []
if mode == "idempotent":
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
        compression_type="gzip", **security)
    futures = [
        producer.send(topic, key=f"key-{i % 37}".encode(), value=f"value {i}".encode())
        for i in range(2000)
    ]
    producer.flush()
    acked = [[m.partition, m.offset] for m in (f.get(timeout=30) for f in futures)]
    producer.close()
    isolation = "read_uncommitted"
else:
    producer = KafkaProducer(bootstrap_servers=bootstrap, transactional_id="kafka-python-tx", **security)
    producer.init_transactions()
    for round_, commit in enumerate([True, False, True]):
        producer.begin_transaction()
        for i in range(1000):
            producer.send(topic, key=f"key-{i % 37}".encode(), value=f"r{round_} {i}".encode())
        if commit:
            producer.commit_transaction()
        else:
            producer.abort_transaction()
    producer.close()
    isolation = "read_committed"

consumer = KafkaConsumer(
    bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
    isolation_level=isolation, consumer_timeout_ms=3000, **security)
partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
consumer.assign(partitions)
consumer.seek_to_beginning(*partitions)
read = [[m.partition, m.offset, m.key.decode(), m.value.decode()] for m in consumer]
consumer.close()
print(json.dumps({"acked": acked, "read": read}))

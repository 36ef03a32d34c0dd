"""The reference the live pipeline is measured against: one idiomatic faust agent.

    python benchmarks/reference_agent.py worker   (started by benchmarks/live_throughput.py)

Per message it reads one table entry, writes it back changed and sends the message on, with the
faust settings the pipeline's workers use (services/streaming/faust_app.py: in-memory tables
recovered from their changelogs, at-least-once, the same partitions, session timeout and batch
size). Configured from the environment: REFERENCE_BOOTSTRAP, REFERENCE_PREFIX, REFERENCE_PORT,
REFERENCE_DATA_DIR, REFERENCE_PARTITIONS.
"""

import os

import faust

from services.streaming.faust_app import KAFKA_BATCH_BYTES, MAX_FETCH_BYTES, MAX_REQUEST_BYTES

PREFIX = os.environ.get("REFERENCE_PREFIX", "reference")
SOURCE, SINK = f"{PREFIX}.in", f"{PREFIX}.out"

app = faust.App(
    f"{PREFIX}-agent",
    broker=f"kafka://{os.environ.get('REFERENCE_BOOTSTRAP', '127.0.0.1:9092')}",
    store="memory://",
    topic_partitions=int(os.environ.get("REFERENCE_PARTITIONS", "4")),
    topic_replication_factor=1,
    processing_guarantee="at_least_once",
    broker_session_timeout=6.0,
    broker_heartbeat_interval=1.0,
    broker_commit_interval=1.0,
    consumer_auto_offset_reset="earliest",
    producer_max_request_size=MAX_REQUEST_BYTES,
    producer_max_batch_size=KAFKA_BATCH_BYTES,
    consumer_max_fetch_size=MAX_FETCH_BYTES,
    web_port=int(os.environ.get("REFERENCE_PORT", "6066")),
    web_host="127.0.0.1",
    web_bind="127.0.0.1",
    datadir=os.environ.get("REFERENCE_DATA_DIR", "/tmp/reference-agent"),
)
raw = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}
source = app.topic(SOURCE, **raw)
sink = app.topic(SINK, **raw)
seen = app.Table("seen", default=int, key_type=bytes, value_type=int)


@app.agent(source)
async def forward(stream):  # type: ignore[no-untyped-def]
    """Count each case's messages in a table and send every message on."""
    async for key, value in stream.items():
        seen[key] += 1
        await sink.send(key=key, value=value)


if __name__ == "__main__":
    app.main()

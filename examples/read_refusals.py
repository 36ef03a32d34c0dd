"""Read the refusals of your own messages from Pathfinder, with confluent-kafka.

Pathfinder's intake sends one message to `{prefix}.refusals.v1` for each inbound message it
refuses, keyed by that message's CloudEvents `source`. This reads the topic in your own consumer
group and prints each refusal of your `source` as one JSON line on stdout:

    {"id": "pathfinder.court-events.v1/2/18734", "ce_id": "5e7a...", "ce_source":
     "cafcass/childfirst", "ce_type": "CirFiled", "reason": "invalid_data",
     "detail": "data.filed_on: not a real date in YYYY-MM-DD form", ...}

Correlate by `ce_id` (your event's `id`), correct the event and send it again with the same `id`.
A refusal may be delivered more than once: a repeat has the same `id` and is printed once.

    pip install confluent-kafka
    python examples/read_refusals.py --bootstrap localhost:29092 --source cafcass/childfirst

It runs until Ctrl-C, or with `--idle-seconds N` until N seconds pass without a message once its
partitions are assigned. Offsets are committed in the group (`--group`, default
`refusals-<source>`), so the next run carries on where this one stopped; a new group starts at
the beginning of the topic, and so does `--from-beginning`. Any librdkafka setting can be given
with `-X name=value` (TLS, SASL: `-X security.protocol=SASL_SSL -X sasl.mechanism=SCRAM-SHA-512
...`). Exit status 0, or 2 for a Kafka error.
"""

import argparse
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True, help="host:port[,host:port] of Kafka")
    parser.add_argument("--source", required=True, help="your CloudEvents `source`")
    parser.add_argument("--topic", default="pathfinder.refusals.v1", help="the refusals topic")
    parser.add_argument("--group", help="consumer group (default: refusals-<source>)")
    parser.add_argument("--from-beginning", action="store_true", help="read the whole topic")
    parser.add_argument("--idle-seconds", type=float, help="stop after this long without news")
    parser.add_argument(
        "-X", dest="settings", action="append", default=[], metavar="NAME=VALUE",
        help="a librdkafka setting, e.g. -X security.protocol=SSL (repeatable)",
    )  # fmt: skip
    return parser.parse_args()


def main() -> int:
    args = arguments()
    config = {
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group or f"refusals-{args.source}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": True,
    }
    config.update(setting.split("=", 1) for setting in args.settings)
    consumer = Consumer(config)
    assigned_at = []

    def on_assign(consumer, partitions):
        if args.from_beginning:
            for partition in partitions:
                partition.offset = OFFSET_BEGINNING
        consumer.assign(partitions)
        assigned_at.append(time.monotonic())

    mine, seen, last_news = args.source.encode(), set(), time.monotonic()
    consumer.subscribe([args.topic], on_assign=on_assign)
    try:
        while True:
            message = consumer.poll(1.0)
            if message is None:
                idle = time.monotonic() - max([last_news, *assigned_at[-1:]])
                if args.idle_seconds is not None and assigned_at and idle >= args.idle_seconds:
                    break
                continue
            if message.error():
                raise KafkaException(message.error())
            last_news = time.monotonic()
            if message.key() != mine:  # another publisher's refusal
                continue
            refusal = json.loads(message.value())
            if refusal["id"] in seen:  # delivered again: the same refusal
                continue
            seen.add(refusal["id"])
            print(json.dumps(refusal), flush=True)
    except KeyboardInterrupt:
        pass
    except KafkaException as error:
        print(f"read_refusals: {error}", file=sys.stderr)
        return 2
    finally:
        consumer.close()
    print(f"read_refusals: {len(seen)} refusals for {args.source}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

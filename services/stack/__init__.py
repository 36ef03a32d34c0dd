"""The local stack: the embedded broker, `pathfinder up`'s supervisor and live view, and the
Kafka clients that publish a log to it and export the canonical log from it."""

"""The Pathfinder event contract: pydantic models, vocabulary and generated JSON Schema."""

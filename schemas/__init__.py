"""The Pathfinder event contract: pydantic models, their vocabulary and the generated JSON Schema."""

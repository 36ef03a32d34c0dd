"""The evaluator's tools: replaying JSON Lines logs through the core, in one or more processes."""

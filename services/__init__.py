"""Pathfinder services: the pure domain core and the adapters around it."""

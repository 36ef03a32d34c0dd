"""Reporting: the pilot metrics per site from the latest case facts, served to Prometheus."""

"""Observability: the Prometheus metrics (every name in metric_defs.py) and the structured logs."""

"""Observability: the Prometheus metrics (every name in one module) and the structured logs."""

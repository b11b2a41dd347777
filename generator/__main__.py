"""``python -m generator OUT [options]`` (same as ``entsync generate``)."""

from .cli import run

raise SystemExit(run())

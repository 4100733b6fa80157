"""What the CLI needs of projects without the store (which loads the settings and the daemon's stack: review BF):
the built-in policies, the budget windows, and when two project names are the same."""

from __future__ import annotations

POLICIES = ("cost-optimized", "balanced", "quality-first", "local-only")
WINDOWS = ("daily", "weekly", "monthly")


def name_key(name: str) -> str:
    """What makes two project names the same: case and runs of white space do not count."""
    return " ".join(name.split()).casefold()

"""Routing: the tier classifier (`classify`) and, alongside it, the routing policies."""

from larouter.routing.classifier import classify
from larouter.routing.rules import DEFAULT, ClassifierConfig
from larouter.routing.tiers import Decision, Tier

__all__ = ["DEFAULT", "ClassifierConfig", "Decision", "Tier", "classify"]

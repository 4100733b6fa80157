"""LARouter: a local-first LLM router with an OpenAI-compatible API."""

__version__ = "0.1.0"

"""LARouter: a local-first LLM router with an OpenAI-compatible API."""

__version__ = "0.1.0"
VERSION_HEADER = "x-larouter-version"  # on every answer of larouterd's: how the CLI tells it from another server (not
# `Server`, which reverse proxies such as nginx replace with their own)

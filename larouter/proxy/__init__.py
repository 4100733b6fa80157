"""The OpenAI-compatible proxy: request validation, model registry, upstream calls, SSE relay."""

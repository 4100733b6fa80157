"""The fake provider's strict model: a server that validates requests against its own schema and refuses fields it
does not know, as some OpenAI-compatible servers do (pydantic's `extra = "forbid"`).

  fake-strict      answers 422 `extra_forbidden` to a request carrying `stream_options`; otherwise as gpt-fake does,
                   with no usage chunk on a stream (it never heard of `include_usage`)
  fake-quoting     answers 400 "context too long; request was: <the body>" (a gateway quoting the body it refuses)
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

MODELS = ("fake-strict", "fake-quoting")


def refusal(body: dict[str, Any]) -> web.Response | None:
    """The 422 for a request with `stream_options`, or None when the request is one the strict server takes; for
    fake-quoting, always its 400 quoting the body."""
    if body["model"] == "fake-quoting":
        return web.json_response({"error": {"message": f"context too long; request was: {json.dumps(body)}",
                                            "type": "invalid_request_error"}}, status=400)
    if "stream_options" not in body:
        return None
    return web.json_response({"detail": [{"type": "extra_forbidden", "loc": ["body", "stream_options"],
                                          "msg": "Extra inputs are not permitted"}]}, status=422)

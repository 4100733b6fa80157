"""The domain error every failure becomes (an HTTP status and an OpenAI-style type/code/param) and its body. Apart
from `larouter.errors` (the middleware, which needs aiohttp.web): the settings and file helpers raise these, and the
CLI loads those without the server's stack (review BF)."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.define(eq=False)
class LarouterError(Exception):
    """An error with an HTTP status and an OpenAI-style type/code/param."""

    message: str
    status: int = 400
    type: str = "invalid_request_error"
    code: str | None = None
    param: str | None = None
    headers: dict[str, str] | None = None
    delivered: bool = False  # an upstream failure after the provider had the request: it may have billed it
    rejected: bool = False  # the upstream refused the request (a 4xx of its own): `auto` tries the next candidate
    # the upstream's refusal is about the model it was asked for (a 403 or 404 naming it, a 4xx whose code or param is
    # the model's): the health kind it counts as, against that model rather than its provider (`routing/health.py`)
    model_failure: str | None = None
    note: str | None = None  # what happened in a few words, for `auto`'s reason where the code alone says too little

    def __str__(self) -> str:
        return self.message

    def body(self) -> dict[str, Any]:
        """Return the OpenAI-shaped error body."""
        return error_body(self.message, self.type, self.code, self.param)


def error_body(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    """Build `{"error": {message, type, param, code}}`."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def bad_request(message: str, param: str | None = None, code: str = "invalid_value") -> LarouterError:
    """A 400 naming the offending field."""
    return LarouterError(message, 400, "invalid_request_error", code, param)

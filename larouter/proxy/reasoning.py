"""OpenAI's reasoning models under `auto`: the body adapted to the model chosen, and how long its answer is waited for."""

from __future__ import annotations

import re
from typing import Any

from larouter.proxy.registry import Target

# OpenAI's reasoning models (o1, o3, o4-mini, gpt-5 and their sizes and snapshots) refuse `max_tokens` (they take
# `max_completion_tokens`), sampling settings other than their defaults and `stop` sequences (which ReAct agents,
# LangChain's and crewAI's, send routinely; OpenAI documents o3 and o4-mini as not taking them), with a 400; OpenAI's
# other models refuse the reasoning models' own settings (`reasoning_effort`; `verbosity` other than its default) the
# same way. A client that asked for `auto` did not choose the model: its request is adapted to it, where a named
# model gets the body as the client wrote it.
REASONING_MODEL_RE = re.compile(r"(?:[\w.-]+/)?(?:o[1-9](?:-mini|-pro)?|gpt-5(?:\.\d+)?(?:-mini|-nano|-pro)?)"
                                r"(?:-\d{4}-\d{2}-\d{2})?")
_REFUSED = ("temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs", "logit_bias",
            "stop")  # what a reasoning model refuses (sampling settings and stop sequences)
REASONING_ONLY = ("reasoning_effort", "verbosity")  # what only a reasoning model takes (agent frameworks send the first)


def for_model(body: dict[str, Any], model: str) -> tuple[dict[str, Any], str | None]:
    """(the body for the model `auto` chose, what was changed for the reason header or None): for a reasoning model,
    `max_tokens` is sent as `max_completion_tokens` (unless that is set too) and the sampling settings and stop
    sequences those models refuse are left out (their defaults apply); for any other model, the reasoning models' own settings are left out;
    a body with none of those, as it is."""
    if not REASONING_MODEL_RE.fullmatch(model):
        extra = [key for key in REASONING_ONLY if key in body]
        if not extra:
            return body, None
        return ({key: value for key, value in body.items() if key not in REASONING_ONLY},
                f"{model} is not a reasoning model: without {', '.join(extra)}")
    dropped = [key for key in _REFUSED if key in body]
    if not (dropped or "max_tokens" in body):
        return body, None
    out = {key: value for key, value in body.items() if key != "max_tokens" and key not in _REFUSED}
    parts = []
    if "max_tokens" in body:
        moved = "max_completion_tokens" not in body
        out.setdefault("max_completion_tokens", body["max_tokens"])
        parts.append("max_tokens sent as max_completion_tokens" if moved else "max_tokens dropped")
    if dropped:
        parts.append(f"without {', '.join(dropped)}")
    return out, f"{model} is a reasoning model: {'; '.join(parts)}"


def read_timeout(target: Target) -> tuple[float, str]:
    """(seconds of silence from the provider before its call is given up with a 504, the setting that says so): its
    `read_timeout`; for one of OpenAI's reasoning models, which may think for minutes before the first byte of an
    answer, its `reasoning_read_timeout` when that is longer (540 by default: LARouter's 504 then reaches an OpenAI
    SDK client before the SDK's own 600 s run out, when the SDK would send the request again)."""
    prov = target.provider
    if prov.reasoning_read_timeout > prov.read_timeout and REASONING_MODEL_RE.fullmatch(target.model):
        return prov.reasoning_read_timeout, "reasoning_read_timeout"
    return prov.read_timeout, "read_timeout"

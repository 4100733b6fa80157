"""One structured (logfmt) line per proxied request; never carries a key or message content."""

from __future__ import annotations

import logging

from larouter.proxy.call import Call

log = logging.getLogger("larouter.access")


def _fmt(value: object) -> str:
    text = "-" if value is None else str(value)
    return f'"{text}"' if (" " in text or "=" in text or not text) else text


def log_call(call: Call, cost: float | None) -> None:
    """Emit `id=… project=… tier=… model=… status=… in=… out=… cost=… ms=…`."""
    if not log.isEnabledFor(logging.INFO):
        return
    usage = call.usage or {}
    target = call.target
    fields = {
        "id": call.id, "project": call.project, "requested": call.requested_model,
        "provider": target.provider_name if target else None, "model": target.model if target else None,
        "tier": call.tier, "stream": int(call.stream), "status": call.status, "error": call.error_type,
        "in": usage.get("prompt_tokens"), "out": usage.get("completion_tokens"),
        "cost": None if cost is None else f"{cost:.6f}", "ms": f"{call.latency_ms:.1f}",
        "ttft_ms": None if call.ttft_ms is None else f"{call.ttft_ms:.1f}",
    }
    log.info(" ".join(f"{k}={_fmt(v)}" for k, v in fields.items()))

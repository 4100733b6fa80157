"""JSON Schemas (OpenAPI 3.1 `components.schemas`) of every LARouter request and response body.

They mirror the handlers: `larouter/proxy/validate.py`, `projects/store.py`, `models/api.py`, `models/register.py`,
`models/download_api.py`, `usage/queries.py`, `routing/api.py`, `runtime.py`. Where a handler accepts
more than it checks (chat bodies pass through to the provider), the schema stays open.
"""

from __future__ import annotations

from typing import Any

from larouter.models.catalog import QUANT
from larouter.projects.names import POLICIES, WINDOWS
from larouter.projects.store import NAME
from larouter.routing.health import DEGRADED_AFTER

Schema = dict[str, Any]

STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
DATE_TIME: Schema = {"type": "string", "format": "date-time"}
POLICY_NOTE = "a built-in policy, or one the config defines under [routing.policies] (accepted while it is defined)"
TIERS = ["HEARTBEAT", "SIMPLE", "MEDIUM", "COMPLEX", "REASONING"]
MODEL_STATES = ["stopped", "starting", "ready", "stopping", "crashed"]
DOWNLOAD_STATES = ["queued", "downloading", "retrying", "verifying", "done", "error", "cancelled"]
LEDGER_COUNTERS = ("submitted", "written", "dropped", "failed", "batches", "folds", "pending", "journaled", "recovered",
                   "retries")
LEDGER_NOTES = {  # the ledger writer's counters since start: written + failed + pending = submitted + recovered
    "submitted": "usage records of this run's calls handed to the writer (recovered ones not included)",
    "recovered": "usage records the last run left in the journal, read back and committed at this start",
    "written": "records committed to the ledger, submitted and recovered ones alike",
    "failed": "records lost (refused by the database for themselves, or not even journaled at a stop)",
    "dropped": "records never queued: usage.queue_max were waiting (not in submitted)",
    "pending": "records not yet committed (journaled ones included)",
    "journaled": "records in the journal waiting for a commit",
    "retries": "write attempts the storage refused (their rows were kept and tried again)",
}
ROLES = ["system", "developer", "user", "assistant", "tool", "function"]


def ref(name: str) -> Schema:
    """`{"$ref": "#/components/schemas/<name>"}`."""
    return {"$ref": f"#/components/schemas/{name}"}


def null(schema: Schema) -> Schema:
    """The schema, or JSON null."""
    if "type" in schema and len(schema) == 1:
        return {"type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def obj(props: dict[str, Schema], required: tuple[str, ...] | str = "all", extra: bool | Schema = False) -> Schema:
    """An object; `required="all"` requires every listed property (the response default)."""
    out: Schema = {"type": "object", "properties": props, "additionalProperties": extra}
    req = list(props) if required == "all" else list(required)
    if req:
        out["required"] = req
    return out


def array(items: Schema, **kw: Any) -> Schema:
    """An array of items."""
    return {"type": "array", "items": items, **kw}


def listing(item: Schema) -> Schema:
    """OpenAI-style `{"object": "list", "data": [...]}`."""
    return obj({"object": {"const": "list"}, "data": array(item)})


_CHAT_NUMBERS = {k: null(NUM) for k in ("temperature", "top_p", "presence_penalty", "frequency_penalty")}
_CHAT_POS_INTS = {k: null({"type": "integer", "minimum": 1}) for k in ("max_tokens", "max_completion_tokens", "n")}

CHAT_REQUEST_PROPS: dict[str, Schema] = {
    "model": {"type": "string", "minLength": 1, "pattern": r"\S",
              "description": '"auto", a model a provider serves, or "provider/model"'},
    "messages": array(ref("ChatMessage"), minItems=1),
    "stream": null(BOOL),
    "stream_options": null(obj({"include_usage": BOOL}, required=(), extra=True)),
    **_CHAT_NUMBERS, **_CHAT_POS_INTS,
    "tools": null(array({"type": "object"})),
    "tool_choice": {"anyOf": [STR, {"type": "object"}, {"type": "null"}]},
}

USAGE_COUNTS = {"calls": INT, "cost": null(NUM)}
BUDGET = obj({"budgetUsd": null(NUM), "window": {"enum": list(WINDOWS)}, "windowStart": {"type": "string", "format": "date"},
              "spent": NUM, "reserved": NUM, "remaining": null(NUM)})
MODEL_STATUS_PROPS: dict[str, Schema] = {
    "id": STR, "state": {"enum": MODEL_STATES},
    "port": {**null(INT), "description": "its llama-server's port; null when no process runs (stopped, crashed)"},
    "baseUrl": null(STR), "pid": null(INT),
    "restarts": {**INT, "description": "crash restarts in a row: counted from 0 again by `larouter models start`, a "
                                       "stop of a running model (a crashed one's is a 409), or a run of "
                                       "local.restart_window; not by a request that starts it"},
    "reason": null(STR), "uptime": null(NUM), "startMs": null(NUM),
}
PROJECT_FIELDS: dict[str, Schema] = {
    "name": {"type": "string", "pattern": NAME.pattern},
    "description": {"type": "string", "maxLength": 1000},
    "budgetUsd": null({"type": "number", "minimum": 0, "maximum": 1e9}),
    "budgetWindow": {"enum": list(WINDOWS)},
    # (not an enum of the built-ins: any policy the config defines is taken, and a generated client must be able to
    # send its name; the server answers 400 for a name no policy has)
    "routingPolicy": {"type": "string", "minLength": 1, "examples": list(POLICIES),
                      "description": f"{POLICY_NOTE} (built-in: {', '.join(POLICIES)}; another name is a 400)"},
}
PROJECT_PROPS: dict[str, Schema] = {
    "id": STR, "name": STR, "description": STR, "budgetUsd": null(NUM), "budgetWindow": {"enum": list(WINDOWS)},
    "routingPolicy": {"type": "string", "description": POLICY_NOTE}, "createdAt": {"type": "string", "format": "date-time"},
    "tokenPrefix": null(STR),
}
CANDIDATE = obj({"model": STR, "provider": null(STR), "local": BOOL, "usable": BOOL, "skipped": null(STR),
                 "coolingDown": {**null(NUM), "description": "seconds of cooldown left after a failure of its own, or "
                                 "of its provider as a whole (tried after the candidates that are not cooling down); "
                                 "null when not cooling down"},
                 "cooling": {**null(STR), "description": "why it is cooling down, in words (`provider openai cooling "
                             "down after a timeout, 23 s left`, `cooling down after it failed (rate_limited), 6 s left`); null "
                             "when not cooling down"}})
EXPLAIN_BUDGET = null(obj({"remaining": null(NUM), "action": {**null(STR), "description": (
    "what chat does because of the budget: `downgrade to local model <id>`, `402 budget_exceeded`, or null when "
    "the budget does not change the choice")}}))
VARIANT = obj({
    "quantization": STR, "format": STR, "repo": null(STR), "file": STR, "revision": null(STR), "sizeBytes": INT,
    "sha256": null(STR), "ramEstimateBytes": INT, "mmproj": null(obj({"file": STR, "sizeBytes": INT})),
})
CATALOG_ENTRY = obj({
    "id": STR, "name": STR, "aliases": array(STR), "family": STR, "parameters": {},
    "contextLength": {**INT, "description": "the model's own context length (tokens; the most a start may give it)"},
    "ctxSize": {**INT, "description": "the context (tokens) it runs with, as its llama-server reports it, or, not "
                "running, starts with: [local.models.<id>] ctx_size, else local.ctx_size capped by contextLength"},
    "modalities": array(STR), "license": null(STR), "sourceRepo": null(STR), "defaultQuantization": STR,
    "suggestedTiers": array(STR), "user": BOOL, "localPath": null(STR), "variants": array(VARIANT),
    "ramEstimateBytes": INT,
    "canRun": obj({"ok": BOOL, "reasons": array(STR), "freeRamBytes": INT, "freeDiskBytes": INT,
                   "llamaServer": {**BOOL, "description": "larouterd finds a llama-server to run (when false, reasons "
                                   "says how to get one)"}}),
    "downloaded": null(STR), "downloadedBytes": null(INT), "state": {"enum": MODEL_STATES},
    "restarts": {**INT, "description": "crash restarts in a row, as `/api/models/{id}/health` says them"},
    "download": {**null(obj({"id": STR, "status": {"enum": DOWNLOAD_STATES}, "bytes": INT, "total": INT})),
                 "description": "its download under way (`/api/models/downloads` has the rest), else null"},
})
_REGISTER_COMMON: dict[str, Schema] = {
    "id": {"type": "string", "pattern": r"^\s*[A-Za-z0-9][A-Za-z0-9._-]{0,63}\s*$"},
    "name": {"type": "string", "minLength": 1},
    "contextLength": {"type": "integer", "minimum": 256, "maximum": 1_048_576},
}
DOWNLOAD = obj({
    "id": {"type": "string", "pattern": "^dl_[0-9a-f]{16}$"}, "modelId": STR, "quantization": STR,
    "status": {"enum": DOWNLOAD_STATES}, "bytes": INT, "total": INT, "bytesPerSecond": INT, "eta": null(NUM),
    "error": null(STR), "retry": null(STR), "files": array({"type": "object"}), "progressUrl": STR,
})
_SECTION: Schema = {"type": "object"}
HEALTH_STATUS: Schema = {"enum": ["ok", "degraded"], "description": "degraded (still HTTP 200: the daemon itself is "
                         f"up) while some upstream has failed its last {DEGRADED_AFTER} calls or more with no success "
                         "since (its state is failing), or while the ledger's storage refuses writes (ledger.failing); "
                         "ok otherwise"}

UPSTREAM_FIELDS: dict[str, Schema] = {
    "state": {"enum": ["ok", "cooling", "failing"], "description": f"failing: its last {DEGRADED_AFTER} calls "
              "or more failed; cooling: a failure put it on cooldown, so auto tries it after the others for now; "
              "ok otherwise"},
    "consecutiveFailures": {"type": "integer", "minimum": 0, "description": "calls failed in a row since its "
                            "last success (a request it refused with a 4xx of its own does not count; a local model's "
                            "crashes and failed starts do, whether or not a call waited for them)"},
    "lastError": {**null(STR), "description": "LARouter's code for its last failure (upstream_error, "
                  "upstream_timeout, upstream_auth_failed, rate_limited, model_forbidden, model_not_found, degraded, "
                  "model_start_failed...), never the provider's words; kept after a success; null when it never "
                  "failed"},
    "lastErrorAt": {**null(DATE_TIME), "description": "when lastError happened (UTC)"},
    "lastOkAt": {**null(DATE_TIME), "description": "when it last answered (UTC); null when it never did"}}

SCHEMAS: dict[str, Schema] = {
    "Error": obj({"error": obj({"message": STR, "type": STR, "param": null(STR), "code": null(STR)})}),
    "Health": obj({"status": HEALTH_STATUS, "uptime": NUM, "ledger": obj(
        {**{k: {"type": "integer", "minimum": 0, **({"description": LEDGER_NOTES[k]} if k in LEDGER_NOTES else {})}
           for k in LEDGER_COUNTERS},
         "failing": {"type": "boolean", "description": "the storage refuses writes now (rows are kept, up to "
                     "usage.queue_max)"},
         "lastError": {**null(STR), "description": "the last storage error since start, kept after writing works "
                       "again (see failing and lastErrorAt); null when there was none"},
         "lastErrorAt": {**null({"type": "string", "format": "date-time"}), "description": "when lastError happened "
                         "(UTC): an old one with failing false is a past failure, not a current one"}}, extra=True),
        "routing": obj({k: {"type": "integer", "minimum": 0}
                        for k in ("stickyConversations", "trackedTurns", "learnedHeartbeats")}),
        "upstreams": {**obj({}, extra=ref("UpstreamHealth")), "description": "each upstream (a provider by its "
                      "name, a local model as local:<id>) called since start, and each local model that crashed or failed to "
                      "start since"}},
        required=("status", "uptime")),
    "UpstreamHealth": obj({**UPSTREAM_FIELDS, "models": {
        **obj({}, extra=ref("UpstreamModelHealth")), "description": "each of a provider's models that a failure of "
        "its own (model_forbidden, model_not_found, model_refused, degraded: about that model, not the provider) has hit "
        "since start, by the model's name at the provider; such failures leave the provider's own state alone "
        "(empty for a local model, whose every failure is its upstream's)"}}),
    "UpstreamModelHealth": obj(UPSTREAM_FIELDS),
    "ChatMessage": obj({"role": {"enum": ROLES}, "content": {"anyOf": [STR, array({}), {"type": "null"}]}},
                       required=("role",), extra=True),
    "ChatCompletionRequest": obj(CHAT_REQUEST_PROPS, required=("model", "messages"), extra=True),
    "ChatCompletion": obj({
        "id": STR, "object": STR, "created": INT, "model": STR,
        "choices": array(obj({"index": INT, "message": {"type": "object"}, "finish_reason": null(STR)},
                             required=("message",), extra=True)),
        "usage": null(obj({"prompt_tokens": INT, "completion_tokens": INT, "total_tokens": INT},
                          required=(), extra=True)),
    }, required=("choices",), extra=True),
    "Model": obj({"id": STR, "object": {"const": "model"}, "created": INT, "owned_by": STR, "available": BOOL,
                  "local": BOOL}, required=("id", "object", "created", "owned_by", "available")),
    "ModelList": listing(ref("Model")),
    "RouteExplainRequest": obj({**CHAT_REQUEST_PROPS, "model": STR}, required=("messages",), extra=True),
    "RouteExplain": obj({"tier": {"enum": TIERS}, "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                         "reasons": array(STR, minItems=1), "project": STR, "policy": {"type": "string", "description": POLICY_NOTE},
                         "candidates": array(CANDIDATE), "budget": EXPLAIN_BUDGET}),
    "UsageSummary": obj({
        "totalCost": NUM, "totalCalls": INT, "succeededCalls": INT, "inputTokens": INT, "outputTokens": INT,
        "byModel": {"type": "object", "additionalProperties": obj(
            {**USAGE_COUNTS, "tokens": INT, "unpricedCalls": INT}, required=("calls", "cost", "tokens"))},
        "byTier": {"type": "object", "propertyNames": {"enum": TIERS}, "additionalProperties": obj(
            {**USAGE_COUNTS, "unpricedCalls": INT}, required=("calls", "cost")),
            "description": "calls routed with model auto, by tier; a call to a named model has none"},
        "dailyCosts": array(obj({"date": {"type": "string", "format": "date"}, "cost": NUM})),
        "savings": obj({"baselineModel": {"type": "string", "description": (
            "the baseline model(s) the period's calls were measured against, as each call recorded it, comma-separated "
            "('(not recorded)' for calls recorded before the ledger kept it); usage.baseline_model when no priced "
            "call is in the period")}, "baselineCost": NUM, "saved": NUM}),
        "unpricedCalls": INT, "budget": BUDGET, "projectId": STR,
        "projectName": {**null(STR), "description": "the project's name; null for a deleted project's history"},
        "period": STR,
    }, required=("totalCost", "totalCalls", "succeededCalls", "inputTokens", "outputTokens", "byModel", "byTier",
                 "dailyCosts", "savings", "unpricedCalls", "projectId", "projectName", "period")),
    "UsageDaily": obj({
        "projectId": STR, "period": STR, "start": null(STR), "end": null(STR),
        "data": array(obj({"date": {"type": "string", "format": "date"}, "cost": NUM, "calls": INT,
                           "succeededCalls": INT, "inputTokens": INT, "outputTokens": INT, "unpricedCalls": INT})),
    }),
    "UsageModels": obj({
        "projectId": STR, "period": STR, "sort": STR, "order": {"enum": ["asc", "desc"]},
        "data": array(obj({
            "model": STR, "provider": null(STR), "calls": INT, "succeededCalls": INT, "inputTokens": INT,
            "outputTokens": INT, "cachedTokens": INT, "tokens": INT, "cost": null(NUM), "baselineCost": NUM,
            "unpricedCalls": INT, "estimatedCalls": INT,
            "avgLatencyMs": {**null(NUM), "description": (
                "mean latency of the calls a provider answered (those with a time to first token: the calls avgTtftMs "
                "averages, so the two compare); calls refused before any provider saw them (a 402, say) or that "
                "failed without an answer are left out; null when none was answered")},
            "avgTtftMs": {**null(NUM), "description": "mean time to first token of the calls a provider answered"}})),
    }),
    "Project": obj(PROJECT_PROPS),
    "ProjectWithToken": obj({**PROJECT_PROPS, "token": {"type": "string", "pattern": "^lr_sk_"}}),
    "ProjectList": listing(ref("Project")),
    "ProjectCreate": obj(PROJECT_FIELDS, required=("name",)),
    "ProjectUpdate": obj(PROJECT_FIELDS, required=()),
    "Deleted": obj({"id": STR, "deleted": {"const": True}}),
    "Config": obj({"home": STR, "config_path": null(STR), "server": _SECTION, "providers": _SECTION,
                   "routing": _SECTION, "local": _SECTION, "usage": _SECTION}, extra=True),
    "ConfigPatch": {**obj({k: null(_SECTION) for k in ("server", "providers", "routing", "local", "usage")},
                          required=()), "minProperties": 1,
                    "description": "JSON merge patch over the settings tree (null deletes a runtime override)"},
    "ConfigPatched": {"allOf": [ref("Config")], "type": "object", "required": ["restartRequired", "warnings"],
                      "properties": {"restartRequired": array(STR), "warnings": array(
                          STR, description="settings that are valid but will not work as meant, such as a routing "
                          "chain or the default model naming a model nothing serves (also logged)")}},
    "CatalogEntry": CATALOG_ENTRY,
    "Catalog": listing(ref("CatalogEntry")),
    "ModelRegister": {"oneOf": [
        obj({**_REGISTER_COMMON, "path": {"type": "string", "pattern": "^[/~]", "description": (
            "absolute path (or ~/...) to a regular file larouterd can read that starts with the GGUF magic bytes, "
            "whatever its name")}}, required=("id", "path")),
        obj({**_REGISTER_COMMON, "repo": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9]"},
             "file": {"type": "string", "pattern": r"\.gguf$"}, "revision": {"type": "string", "minLength": 1},
             "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
             "quantization": {"type": "string", "pattern": QUANT.pattern},
             "sizeBytes": {"type": "integer", "minimum": 0}}, required=("id", "repo", "file")),
    ]},
    "ModelStart": obj({
        "ctxSize": {"type": "integer", "minimum": 256, "maximum": 1048576,
                    "description": "-c, tokens; at most the model's context length"},
        "gpuLayers": {"type": "integer", "minimum": 0, "maximum": 999, "description": "-ngl; 999 offloads every layer"},
        "threads": {"type": "integer", "minimum": 1, "description": "-t; at most 4 x the daemon machine's CPUs"},
    }, required=()),
    "ModelStatus": obj(MODEL_STATUS_PROPS),
    "ModelHealth": obj({**MODEL_STATUS_PROPS, "healthy": BOOL, "error": STR}, required=(*MODEL_STATUS_PROPS, "healthy")),
    "ModelLogs": obj({"id": STR, "lines": array(STR), "total": {
        "type": "integer", "minimum": 0, "description": "lines the model has had since the daemon started"}}),
    "RunningModels": listing(ref("ModelStatus")),
    "DownloadRequest": obj({"modelId": STR, "format": {"type": "string", "pattern": "^[gG][gG][uU][fF]$"},
                            "quantization": STR, "mmproj": BOOL}, required=("modelId",)),
    "Download": DOWNLOAD,
    "ChatStreamEvent": obj({"event": {"const": "message"}, "data": STR, "id": STR, "retry": INT}, required=("data",),
                           extra=True),
    "DownloadEvent": obj({"event": {"enum": ["progress", "done", "error"]}, "data": STR, "id": STR, "retry": INT},
                         required=("event", "data"), extra=True),
    "DownloadList": listing(ref("Download")),
}

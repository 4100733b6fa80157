"""The OpenAPI 3.1 document of every LARouter endpoint, served at `GET /openapi.json`.

`tests/test_openapi.py` compares its operations with the app's routes in both directions, so an endpoint
added without a description here (or described but removed) fails the suite. Schemas: `openapi_schemas.py`.
"""

from __future__ import annotations

import functools
from typing import Any

from aiohttp import web

from larouter import __version__
from larouter.openapi_schemas import PROJECT_FIELDS, SCHEMAS, Schema, ref

MODEL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
DOWNLOAD_ID_PATTERN = r"^dl_[0-9a-f]{16}$"
ADMIN = "Admin only: a project token gets 403."
ERRORS = {"400": "bad field (`param` names it)", "401": "missing, wrong or revoked token",
          "403": "project token on an admin endpoint", "404": "unknown resource or endpoint",
          "408": "request body not received within server.body_timeout",
          "413": "body over server.max_body_bytes", "414": "request line too long (`uri_too_long`)",
          "415": "body in an encoding other than gzip or deflate (`unsupported_media_type`)",
          "431": "a header line or the headers too large (`header_too_large`)"}


def _json(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    out = {str(s): {"$ref": f"#/components/responses/E{s}"} for s in statuses}
    out["default"] = {"$ref": "#/components/responses/Error"}
    return out


def _query(name: str, schema: Schema, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path_id(pattern: str, description: str) -> dict[str, Any]:
    return {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "pattern": pattern},
            "description": description}


def op(operation_id: str, summary: str, tag: str, ok: dict[str, Any], *, errors: tuple[int, ...] = (400, 401, 403),
       body: str | None = None, body_required: bool = True, params: list[Any] | None = None,
       public: bool = False, description: str = "") -> dict[str, Any]:
    """One operation: its operationId (camelCase, stable: generated clients name their methods after it), summary,
    tag, success responses by status, error responses, optional JSON body."""
    errors = tuple(sorted({*errors, 414, 431, *((408, 413, 415) if body else ())}))  # (the parser's limits)
    out: dict[str, Any] = {"operationId": operation_id, "summary": summary, "tags": [tag],
                           "responses": {**ok, **_errors(*errors)}}
    if description:
        out["description"] = description
    if body:
        out["requestBody"] = {"required": body_required, "content": {"application/json": {"schema": ref(body)}}}
    if params:
        out["parameters"] = params
    if public:
        out["security"] = []
    return out


PERIOD = _query("period", {"enum": ["daily", "weekly", "monthly", "all"], "default": "monthly"},
                "day window ending today (UTC)")
PROJECT = _query("projectId", {"type": "string",
                               "pattern": "^(?:\\*|" + PROJECT_FIELDS["name"]["pattern"][1:-1] + ")$"},
                 "the project, by id or by name (an id wins over another project's name; names compare case and runs "
                 "of spaces aside). Left out: the token's own project for a project token, `default` for the admin "
                 "(so no default is stated here: a client that sent `default` with a project token would get a "
                 "403). A project token may only name its own; `*`: every project's calls, deleted projects' "
                 "included (the admin's only)")
USAGE_PARAMS = [PERIOD, PROJECT]
USAGE_ERRORS = (400, 401, 403, 404)  # 404: no project has that id or name
MODEL_ID = _path_id(MODEL_ID_PATTERN, "catalog id or alias (case-insensitive), or a registered model")
PROJ_ID = _path_id(r"^(default|proj_[0-9a-f]{12})$", "project id (`proj_…` or `default`)")
DL_ID = _path_id(DOWNLOAD_ID_PATTERN, "download id from POST /api/models/download")
CHAT_HEADERS = {h: {"schema": {"type": "string"}, "description": d} for h, d in (
    ("x-larouter-model", "model that answered"), ("x-larouter-provider", "provider that answered"),
    ("x-request-id", "id of this call in logs (the client's own X-Request-ID when it sent a printable ASCII one of "
                     "at most 128 characters; also sent to the provider)"), ("x-larouter-tier", "tier (model auto)"),
    ("x-larouter-reason", "routing reasons (model auto) in ASCII, at most 500 characters cut at a word: accents "
                          "dropped, other characters as \\uXXXX escapes (the words as written are in POST "
                          "/api/route/explain and the usage export's reason)"),
    ("x-larouter-budget-remaining", "USD left in the budget window with this call's worst case set aside (paid calls)"),
    ("x-upstream-request-id", "the provider's own id for its answer (its x-request-id), when it sent one"))}


def _paths() -> dict[str, Any]:
    chat_ok = {"200": {"description": "completion (JSON), or an SSE stream when `stream` is true",
                       "headers": CHAT_HEADERS,
                       "content": {"application/json": {"schema": ref("ChatCompletion")},
                                   "text/event-stream": {"schema": ref("ChatStreamEvent")}}}}
    return {
        "/health": {"get": op("getHealth", "Liveness, uptime and upstream health", "meta",
                              {"200": _json(ref("Health"), "alive")},
                              errors=(), public=True,
                              description="Always 200 while the daemon runs, `degraded` included: a monitor that "
                                          "wants to hear of a failing provider or local model reads `status` "
                                          "(and `upstreams`)")},
        "/openapi.json": {"get": op("getOpenApiDocument", "This document", "meta",
                                    {"200": _json({"type": "object"}, "OpenAPI 3.1")},
                                    errors=(), public=True)},
        "/v1/chat/completions": {"post": op("createChatCompletion",
            "OpenAI-compatible chat completion (JSON or SSE)", "proxy", chat_ok, body="ChatCompletionRequest",
            errors=(400, 401, 402, 404, 409, 413, 429, 502, 503, 504, 508),
            description="`model` may be `auto` (routed by tier), any model a provider serves, or "
                        "`provider/model`. Unknown fields reach the provider untouched. A stream that breaks "
                        "mid-way ends with one `data: {\"error\": …}` event and no `[DONE]`. Every answer, errors "
                        "included, carries `x-request-id`; an `auto` error also `x-larouter-tier`, "
                        "`x-larouter-reason` (each candidate's failure when all failed) and, once a candidate was "
                        "tried, `x-larouter-model` (and `x-larouter-provider`) naming the last one, whose error it "
                        "is. A named model's error names it the same way once LARouter knows where it goes (a "
                        "provider with no key included; a local model not downloaded or not running names no "
                        "provider), an unknown model's 404 none.")},
        "/v1/models": {"get": op("listModels", "Models: `auto` first, then every provider's", "proxy",
                                 {"200": _json(ref("ModelList"), "OpenAI model list")}, errors=(400, 401))},
        "/v1/models/{id}": {"get": op("retrieveModel",
            "One model, as `/v1/models` lists it", "proxy", {"200": _json(ref("Model"), "OpenAI model object")},
            errors=(400, 401, 404),
            params=[{"name": "id", "in": "path", "required": True, "description": "a model id `/v1/models` lists "
                     "(it may contain `/`)", "schema": {"type": "string", "minLength": 1, "maxLength": 256}}],
            description="`provider/model` (as chat takes it) gets that provider's entry under that name; 404 "
                        "`model_not_found` for another id `/v1/models` does not list; 400 for one no model could "
                        "have (blank, control characters, over 256 characters).")},
        "/api/route/explain": {"post": op("explainRoute",
            "Routing decision for a chat body, without calling a model", "routing",
            {"200": _json(ref("RouteExplain"), "tier, reasons, policy and candidate chain")},
            body="RouteExplainRequest", params=[_query("projectId", {"type": "string"},
                                                                  "policy of this project, by id or by name")],
            errors=(400, 401, 403, 404, 409, 503),
            description=ADMIN + " `model` defaults to `auto`; a named model is explained as the one candidate a chat "
                                "request for it would get (404/503 as that request would).")},
        "/api/usage": {"get": op("getUsage", "Usage summary of one project", "usage",
                                 {"200": _json(ref("UsageSummary"), "totals, breakdowns, savings, budget")},
                                 params=USAGE_PARAMS, errors=USAGE_ERRORS)},
        "/api/usage/daily": {"get": op("getUsageDaily", "Daily series, zero-filled", "usage",
                                       {"200": _json(ref("UsageDaily"), "one point per day")},
                                       params=USAGE_PARAMS, errors=USAGE_ERRORS)},
        "/api/usage/models": {"get": op("getUsageByModel", "Per-model breakdown", "usage",
                                        {"200": _json(ref("UsageModels"), "rows")},
                                        params=[*USAGE_PARAMS, _query("sort", {"enum": [
                                            "cost", "calls", "tokens", "inputTokens", "outputTokens", "model",
                                            "latency"], "default": "cost"}, "sort key"),
                                            _query("order", {"enum": ["asc", "desc"], "default": "desc"}, "order")],
                                        errors=USAGE_ERRORS)},
        "/api/usage/export": {"get": op("exportUsage", "Per-call rows as CSV (RFC 4180, formula-escaped)", "usage",
                                        {"200": {"description": "CSV with a header row",
                                                 "content": {"text/csv": {"schema": {"type": "string"}}}}},
                                        params=USAGE_PARAMS, errors=USAGE_ERRORS)},
        "/api/projects": {
            "get": op("listProjects", "List projects", "projects", {"200": _json(ref("ProjectList"), "projects")},
                      description=ADMIN),
            "post": op("createProject", "Create a project; its token is shown once", "projects",
                       {"201": _json(ref("ProjectWithToken"), "created")}, body="ProjectCreate",
                       errors=(400, 401, 403, 409), description=ADMIN)},
        "/api/projects/{id}": {
            "parameters": [PROJ_ID],
            "get": op("getProject", "One project", "projects", {"200": _json(ref("Project"), "project")},
                      errors=(400, 401, 403, 404), description=ADMIN),
            "put": op("updateProject", "Change name, description, budget or policy", "projects",
                      {"200": _json(ref("Project"), "updated")}, body="ProjectUpdate",
                      errors=(400, 401, 403, 404, 409), description=ADMIN),
            "delete": op("deleteProject", "Delete a project and revoke its token (usage history stays)", "projects",
                         {"200": _json(ref("Deleted"), "deleted")}, errors=(400, 401, 403, 404), description=ADMIN)},
        "/api/projects/{id}/rotate": {"post": op("rotateProjectToken",
            "Issue a new token; the old one is revoked at once", "projects",
            {"200": _json(ref("ProjectWithToken"), "new token")}, errors=(400, 401, 403, 404), params=[PROJ_ID],
            description=ADMIN)},
        "/api/config": {
            "get": op("getConfig", "Effective settings, secrets masked", "config",
                      {"200": _json(ref("Config"), "settings")},
                      description=ADMIN),
            "patch": op("patchConfig", "JSON merge patch, validated, applied live and persisted", "config",
                        {"200": _json(ref("ConfigPatched"), "new settings and keys needing a restart")},
                        body="ConfigPatch", description=ADMIN + " The keys that decide where a provider key is sent, "
                        "what runs or which file is read (providers.*.base_url, api_key, api_key_env, "
                        "local.llama_server, local.extra_args, local.models.*.extra_args, usage.prices_file, "
                        "routing.classifier.heartbeat.model_file, "
                        "server.admin_token, server.trust_loopback) and where the daemon listens (server.host, "
                        "server.port) need the admin token itself: loopback trust alone gets 403 "
                        "admin_token_required.")},
        "/api/models/catalog": {"get": op("getModelCatalog", "Shipped and registered models with can-run verdicts",
                                          "models",
                                          {"200": _json(ref("Catalog"), "catalog")}, description=ADMIN)},
        "/api/models/running": {"get": op("listRunningModels", "Models starting, ready or stopping", "models",
                                          {"200": _json(ref("RunningModels"), "processes")}, description=ADMIN)},
        "/api/models": {"post": op("registerModel", "Register a local GGUF or a Hugging Face repo/file", "models",
                                   {"201": _json(ref("CatalogEntry"), "registered"),
                                    "200": _json(ref("CatalogEntry"), "registered anew, replacing the registration")},
                                   body="ModelRegister", errors=(400, 401, 403, 409),
                                   description=ADMIN + " Needs the admin token itself: loopback trust alone gets 403 "
                                                       "`admin_token_required`. An id already registered is replaced "
                                                       "(200), but not while its model runs (409 `model_running`) or "
                                                       "is being downloaded (409 `model_downloading`).")},
        "/api/models/{id}": {"delete": op("removeModel", "Forget a registered model", "models",
                                          {"200": _json(ref("Deleted"), "forgotten")}, errors=(400, 401, 403, 404, 409),
                                          params=[MODEL_ID], description=ADMIN + " Needs the admin token itself: "
                                          "loopback trust alone gets 403 `admin_token_required`. Not while the model runs (409 "
                                          "`model_running`) or is being downloaded (409 `model_downloading`).")},
        "/api/models/{id}/start": {"post": op("startModel",
            "Start llama-server for a downloaded model (idempotent)", "models",
            {"200": _json(ref("ModelStatus"), "ready")}, body="ModelStart", body_required=False,
            errors=(400, 401, 403, 404, 409, 502, 503), params=[MODEL_ID],
            description=ADMIN + " Other options than a running server's restart it: the calls it cuts get a 503 "
                                "`model_restarted`. A llama-server that does not come up is a 502 of type "
                                "`server_error`, code `model_start_failed`, with its last output (and, when it ran "
                                "out of memory, a sentence saying so).")},
        "/api/models/{id}/stop": {"post": op("stopModel", "Stop a running model", "models",
                                             {"200": _json(ref("ModelStatus"), "stopped")},
                                             errors=(400, 401, 403, 404, 409), params=[MODEL_ID], description=ADMIN)},
        "/api/models/{id}/health": {"get": op("getModelHealth", "Supervisor state plus llama-server's /health",
                                              "models",
                                              {"200": _json(ref("ModelHealth"), "state")},
                                              errors=(400, 401, 403, 404), params=[MODEL_ID], description=ADMIN)},
        "/api/models/{id}/logs": {"get": op("getModelLogs",
            "Recent llama-server output", "models", {"200": _json(ref("ModelLogs"), "lines")},
            errors=(400, 401, 403, 404), description=ADMIN,
            params=[MODEL_ID, _query("lines", {"type": "integer", "minimum": 1, "maximum": 5000, "default": 200},
                                     "how many lines")])},
        "/api/models/download": {"post": op("startDownload",
            "Start (or join) a download from Hugging Face", "downloads",
            {"200": _json(ref("Download"), "already on disk"), "202": _json(ref("Download"), "started or joined")},
            body="DownloadRequest", errors=(400, 401, 403, 404, 409, 507), description=ADMIN)},
        "/api/models/download/{id}/progress": {"get": op("streamDownloadProgress",
            "SSE: current state, `progress` events, then `done` or `error`", "downloads",
            {"200": {"description": "event stream (schema: one event)",
                     "content": {"text/event-stream": {"schema": ref("DownloadEvent")}}}}, errors=(400, 401, 403, 404),
            params=[DL_ID], description=ADMIN)},
        "/api/models/download/{id}": {"delete": op("cancelDownload",
            "Cancel a download (the partial file is kept)", "downloads",
            {"200": _json(ref("Download"), "stopped or already finished"), "202": _json(ref("Download"), "stopping")},
            errors=(400, 401, 403, 404), params=[DL_ID], description=ADMIN)},
        "/api/models/downloads": {"get": op("listDownloads", "Downloads this daemon remembers", "downloads",
                                            {"200": _json(ref("DownloadList"), "downloads")}, description=ADMIN)},
    }


@functools.cache
def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (built once)."""
    responses: dict[str, Any] = {"Error": _json(ref("Error"), "OpenAI-shaped error")}
    for status, what in {**ERRORS, "402": "budget exceeded", "409": "conflict (name taken, not running, ...)",
                         "429": "provider rate limit (Retry-After and retry-after-ms relayed)",
                         "502": "provider failed or unreachable (a 503's Retry-After and retry-after-ms relayed)",
                         "503": "provider has no key / llama-server missing / a local model crashed, "
                                "was stopped or restarted under the call (`model_crashed`, `model_stopped`, "
                                "`model_restarted`)", "504": "provider timed out",
                         "507": "not enough free disk",
                         "508": "a provider's base_url leads back to LARouter (`provider_loop`)"}.items():
        responses[f"E{status}"] = _json(ref("Error"), what)
    return {
        "openapi": "3.1.0",
        "info": {"title": "LARouter", "version": __version__,
                 "description": "Local-first LLM router. Every error is `{\"error\": {message, type, param, code}}`."},
        "servers": [{"url": "http://127.0.0.1:18790"}],
        "security": [{"bearer": []}, {"xApiKey": []}, {"apiKey": []}, {}],
        "paths": _paths(),
        "components": {"schemas": SCHEMAS, "responses": responses,
                       "securitySchemes": {"bearer": {
                           "type": "http", "scheme": "bearer",
                           "description": "admin token or a project token `lr_sk_…`; optional on a loopback bind"},
                           **{key: {"type": "apiKey", "in": "header", "name": name,
                                    "description": f"the same token in `{name}` instead (different tokens in two "
                                                   "headers are a 400 `conflicting_credentials`)"}
                              for key, name in (("xApiKey", "X-Api-Key"), ("apiKey", "api-key"))}}},
    }


async def openapi_json(request: web.Request) -> web.Response:
    """GET /openapi.json (public, like /health)."""
    return web.json_response(document())

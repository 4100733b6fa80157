"""Projects, tokens, the permission matrix and budgets, through HTTP and the openai SDK."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import aiohttp
import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.servers import http_json, wait_until

MSG = [{"role": "user", "content": "hi"}]


def req(router: Router, method: str, path: str, token: str | None = None, body: Any = None, raw_auth: str | None = None) -> tuple[int, Any]:
    from urllib.error import HTTPError
    from urllib.request import Request, urlopen

    headers = {"Content-Type": "application/json"}
    if raw_auth is not None:
        headers["Authorization"] = raw_auth
    elif token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    try:
        with urlopen(Request(router.url + path, data=data, method=method, headers=headers), timeout=30) as r:
            text = r.read().decode()
            return r.status, text
    except HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def tenants(router: Router) -> dict[str, str]:
    """Projects A and B with tokens, and a revoked token of a deleted project C."""
    out = {}
    for name in ("A", "B", "C"):
        status, body = http_json("POST", router.url + "/api/projects", {"name": name, "budgetUsd": 5})
        assert status == 201 and body["token"].startswith("lr_sk_") and len(body["token"]) >= 6 + 43
        out[name] = body["token"]
        out[name + "_id"] = body["id"]
    assert http_json("DELETE", router.url + f"/api/projects/{out['C_id']}")[0] == 200
    return out


ENDPOINTS = [
    ("GET", "/v1/models", None), ("POST", "/v1/chat/completions", {"model": "gpt-fake", "messages": MSG}),
    ("GET", "/api/projects", None), ("POST", "/api/projects", {"name": "zz"}), ("GET", "/api/config", None),
    ("GET", "/api/models/catalog", None), ("GET", "/api/models/running", None),
    ("POST", "/api/models/nope/start", None),
]


def test_permission_matrix(router: Router, tenants: dict[str, str]) -> None:
    """No header on loopback and the admin token reach everything; project tokens only /v1; bad tokens 401."""
    admin = (router.settings.home / "admin_token").read_text().strip()
    for method, path, body in ENDPOINTS:
        admin_only = path.startswith("/api/")
        for who, token, raw in [("none", None, None), ("admin", admin, None), ("A", tenants["A"], None)]:
            status, text = req(router, method, path, token, body, raw)
            if who == "A" and admin_only:
                assert status == 403 and json.loads(text)["error"]["type"] == "permission_error", (path, text)
            else:
                assert status not in (401, 403), (who, path, status, text)
        for token, raw in [(tenants["C"], None), ("lr_sk_" + "x" * 43, None), (None, "Basic abc"), (None, "Bearer ")]:
            status, text = req(router, method, path, token, body, raw)
            assert status == 401 and json.loads(text)["error"]["type"] == "authentication_error", (path, raw, text)
    assert req(router, "GET", "/health", tenants["C"])[0] == 200


def test_a_project_token_on_an_unknown_path_gets_the_404(router: Router, tenants: dict[str, str]) -> None:
    """A path no endpoint has is a 404 for a project token as for the admin (a 403 "needs the admin token" sent it
    looking for a token; review O); a known admin endpoint stays a 403."""
    for path in ("/nope", "/api/nope", "/api/projects/x/y"):
        status, text = req(router, "GET", path, tenants["A"])
        assert status == 404 and json.loads(text)["error"]["type"] == "invalid_request_error", (path, text)
    assert req(router, "GET", "/api/projects", tenants["A"])[0] == 403


def test_project_token_reaches_only_its_own_usage(router: Router, tenants: dict[str, str]) -> None:
    """Project A may ask for its usage but never B's."""
    status, _ = req(router, "GET", f"/api/usage?projectId={tenants['B_id']}", tenants["A"])
    assert status == 403
    status, _ = req(router, "GET", f"/api/usage?projectId={tenants['A_id']}", tenants["A"])
    assert status not in (401, 403)


def test_non_loopback_bind_needs_a_token(make_router: Callable[..., Router]) -> None:
    """With a non-loopback bind, a request without Authorization is refused."""
    router = make_router(extra_toml='\n[server]\nhost = "0.0.0.0"\nadmin_token = "adm-0123456789abcdef"\n')
    assert req(router, "GET", "/v1/models")[0] == 401
    assert req(router, "GET", "/v1/models", "sk-whatever")[0] == 401
    assert req(router, "GET", "/api/projects", "adm-0123456789abcdef")[0] == 200


def test_tokens_never_leak(router: Router, tenants: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    """After creation no response, error or log line contains a token."""
    caplog.set_level(logging.DEBUG)
    patch = {"providers": {"fake": {"prices": {"gpt-fake": {"input": 0.01, "output": 0.01}}}}}  # A has a budget
    assert http_json("PATCH", router.url + "/api/config", patch)[0] == 200
    client = openai.OpenAI(base_url=router.v1, api_key=tenants["A"], max_retries=0)
    client.chat.completions.create(model="gpt-fake", messages=MSG)
    export = f"/api/usage/export?projectId={tenants['A_id']}&period=all"
    wait_until(lambda: tenants["A_id"] in req(router, "GET", export)[1], 10, "the call to reach the ledger")
    seen = [req(router, "GET", "/api/projects")[1], req(router, "GET", f"/api/projects/{tenants['A_id']}")[1],
            req(router, "GET", "/api/config")[1], req(router, "GET", "/v1/models", tenants["C"])[1],
            req(router, "GET", "/api/projects", tenants["A"])[1],
            req(router, "GET", export)[1], req(router, "GET", "/api/usage", tenants["A"])[1]]
    blob = "\n".join(seen) + caplog.text
    for name in ("A", "B", "C"):
        assert tenants[name] not in blob and tenants[name][6:] not in blob
    assert json.loads(seen[0])["data"][1]["tokenPrefix"] == tenants["A"][:14]


def test_rotate_revokes_old_token(router: Router, tenants: dict[str, str]) -> None:
    """Rotating issues a new token and the old one stops working at once."""
    status, body = http_json("POST", router.url + f"/api/projects/{tenants['A_id']}/rotate")
    assert status == 200 and body["token"] != tenants["A"]
    assert req(router, "GET", "/v1/models", tenants["A"])[0] == 401
    assert req(router, "GET", "/v1/models", body["token"])[0] == 200


@pytest.mark.parametrize(("body", "param"), [
    ({"name": ""}, "name"), ({"name": "ok", "budgetUsd": -1}, "budgetUsd"), ({"name": "ok", "routingPolicy": "cheap"}, "routingPolicy"),
    ({"name": "ok", "budgetWindow": "yearly"}, "budgetWindow"), ({"name": "ok", "color": "red"}, "color"),
    ({"name": "ok", "budgetUsd": 2e9}, "budgetUsd"), ({"name": "ünï 日本"}, "name"),
    ({"name": "ok", "routingPolicy": [[{}]]}, "routingPolicy"), ({"name": "ok", "routingPolicy": {"a": 1}}, "routingPolicy"),
    ({"name": "ok", "budgetWindow": ["daily"]}, "budgetWindow"),
])
def test_bad_project_bodies(router: Router, body: dict, param: str) -> None:
    """Bad project fields are 400s naming the field, on create and on replace alike (a list where a policy name
    belongs was a 500: found by the fuzzer)."""
    status, out = http_json("POST", router.url + "/api/projects", body)
    assert status == 400 and out["error"]["param"] == param
    _, made = http_json("POST", router.url + "/api/projects", {"name": "bodycheck"})
    replaced = http_json("PUT", router.url + f"/api/projects/{made['id']}", {**body, "name": "bodycheck"}
                         if param != "name" else body)
    assert replaced[0] == 400 and replaced[1]["error"]["param"] == param, replaced
    if param == "budgetUsd":
        assert "from 0 to 1,000,000,000" in out["error"]["message"]
    if param == "name":
        assert "ASCII letters" in out["error"]["message"]


@pytest.mark.parametrize(("given", "stored"), [(-0.0, 0.0), (0.123456789012345, 0.123456789), (5e-11, 1e-10),
                                               (1e-10, 1e-10), (1e9, 1e9)])
def test_budgets_are_kept_to_the_ledgers_ten_decimal_places(router: Router, given: float, stored: float) -> None:
    """A budget is rounded to the ledger's 10 places, on create and update alike; -0.0 is stored as 0 (no paid
    calls), never as -0.0."""
    status, made = http_json("POST", router.url + "/api/projects", {"name": "rounded", "budgetUsd": given})
    assert status == 201 and made["budgetUsd"] == stored and math.copysign(1, made["budgetUsd"]) == 1, made
    status, updated = http_json("PUT", router.url + f"/api/projects/{made['id']}", {"budgetUsd": given})
    assert status == 200 and updated["budgetUsd"] == stored and math.copysign(1, updated["budgetUsd"]) == 1
    saved = {p["id"]: p for p in json.loads((router.settings.home / "projects.json").read_text())}
    assert saved[made["id"]]["budget_usd"] == stored and "-0.0" not in json.dumps(saved[made["id"]])


@pytest.mark.parametrize("tiny", [1e-300, 4e-11, 5e-324])
def test_a_budget_below_the_ledgers_precision_is_a_400(router: Router, tiny: float) -> None:
    """A positive budget that would round to $0 at 10 places is refused, saying what the least is."""
    for method, path, body in (("POST", "/api/projects", {"name": "tiny", "budgetUsd": tiny}),
                               ("PUT", "/api/projects/default", {"budgetUsd": tiny})):
        status, out = http_json(method, router.url + path, body)
        assert status == 400 and out["error"]["param"] == "budgetUsd", out
        assert "0.0000000001" in out["error"]["message"] and repr(tiny) in out["error"]["message"]
    assert [p["id"] for p in http_json("GET", router.url + "/api/projects")[1]["data"]] == ["default"]


def test_routing_policy_setting_is_the_default_of_new_projects(router: Router) -> None:
    """`routing.policy` is the policy a new project gets when it names none; a PATCH of it applies from then on."""
    status, made = http_json("POST", router.url + "/api/projects", {"name": "plain"})
    assert status == 201 and made["routingPolicy"] == "cost-optimized", made
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"policy": "balanced"}})
    assert status == 200, out
    assert http_json("POST", router.url + "/api/projects", {"name": "later"})[1]["routingPolicy"] == "balanced"
    _, chosen = http_json("POST", router.url + "/api/projects", {"name": "own", "routingPolicy": "local-only"})
    assert chosen["routingPolicy"] == "local-only"
    _, listed = http_json("GET", router.url + "/api/projects")
    assert {p["name"]: p["routingPolicy"] for p in listed["data"]}["plain"] == "cost-optimized"


def test_default_project_exists_and_cannot_be_deleted(router: Router) -> None:
    """`default` is always there."""
    _, out = http_json("GET", router.url + "/api/projects")
    assert out["data"][0]["id"] == "default"
    assert http_json("DELETE", router.url + "/api/projects/default")[0] == 400
    assert http_json("DELETE", router.url + "/api/projects/proj_nope")[0] == 404


PRICED = '\n[providers.fake.prices."gpt-fake"]\ninput = 1000.0\noutput = 1000.0\n'
LOCALFAKE = '\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\n'


ALL_TIERS_PAID = ('\n[routing.policies.cost-optimized]\n'
                  + "".join(f'{t} = ["gpt-fake"]\n' for t in ("HEARTBEAT", "SIMPLE", "MEDIUM", "COMPLEX", "REASONING")))


async def _burst(router: Router, token: str, n: int, model: str = "gpt-fake") -> list[tuple[int, dict[str, str]]]:
    async def one(session: aiohttp.ClientSession) -> tuple[int, dict[str, str]]:
        body = {"model": model, "messages": MSG, "max_tokens": 5}
        async with session.post(router.v1 + "/chat/completions", json=body, headers={"Authorization": f"Bearer {token}"}) as r:
            await r.read()
            return r.status, dict(r.headers)

    async with aiohttp.ClientSession() as s:
        return await asyncio.gather(*(one(s) for _ in range(n)))


@pytest.mark.parametrize("with_local", [False, True])
async def test_budget_race(make_router: Callable[..., Router], fake: Fake, with_local: bool) -> None:
    """100 concurrent paid calls against a budget for 30: spend stays within it; the rest get 402 or, routed with a
    local model running, the local model. A model named by the client is never replaced: 402."""
    router = make_router(extra_toml=PRICED + (LOCALFAKE.format(url=fake.url) + ALL_TIERS_PAID if with_local else ""))
    one_call = (4 + 5) * 1000 / 1e6  # prompt "hi" = 1 word + 3, completion 5, at $1000/M
    budget = 30 * one_call  # the worst case (a token per request byte, ~90 bytes) is about ten calls
    status, proj = http_json("POST", router.url + "/api/projects", {"name": "racer", "budgetUsd": budget})
    results = await _burst(router, proj["token"], 100, "auto" if with_local else "gpt-fake")
    paid = sum(1 for r in fake.state.requests if r["model"] == "gpt-fake")
    assert 0 < paid * one_call <= budget
    codes = sorted({s for s, _ in results})
    if with_local:
        assert codes == [200] and sum(1 for r in fake.state.requests if r["model"] == "local-fake") == 100 - paid
        assert any("budget" in h.get("x-larouter-reason", "") for _, h in results)
    else:
        assert codes == [200, 402] and sum(1 for s, _ in results if s == 200) == paid
    status, text = req(router, "POST", "/v1/chat/completions", proj["token"], {"model": "gpt-fake", "messages": MSG})
    err = json.loads(text)["error"]
    assert status == 402 and err["type"] == err["code"] == "budget_exceeded"


def test_tiny_budget_is_named_in_the_402(make_router: Callable[..., Router]) -> None:
    """A sub-cent budget is written with its digits ($0.004), not rounded to $0.00."""
    router = make_router(extra_toml=PRICED)
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "tiny", "budgetUsd": 0.004})
    status, text = req(router, "POST", "/v1/chat/completions", proj["token"], {"model": "gpt-fake", "messages": MSG})
    err = json.loads(text)["error"]
    assert status == 402 and "has $0.004 of its monthly budget ($0.004) left" in err["message"], err


def test_remaining_budget_header(make_router: Callable[..., Router]) -> None:
    """Paid calls of a budgeted project carry x-larouter-budget-remaining."""
    router = make_router(extra_toml=PRICED)
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "hdr", "budgetUsd": 1.0})
    client = openai.OpenAI(base_url=router.v1, api_key=proj["token"], max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="gpt-fake", messages=MSG, max_tokens=5)
    assert 0 < float(raw.headers["x-larouter-budget-remaining"]) < 1.0


def test_budget_follows_price_patch(make_router: Callable[..., Router], fake: Fake) -> None:
    """A price changed through PATCH /api/config is what budgets reserve against, without a restart."""
    router = make_router(extra_toml=PRICED)
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "p", "budgetUsd": 0.05})
    client = openai.OpenAI(base_url=router.v1, api_key=proj["token"], max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:  # worst case at $1000/M is more than $0.05... for 100 tokens out
        client.chat.completions.create(model="gpt-fake", messages=MSG, max_tokens=100)
    assert info.value.status_code == 402
    patch = {"providers": {"fake": {"prices": {"gpt-fake": {"input": 0.01, "output": 0.01}}}}}
    assert http_json("PATCH", router.url + "/api/config", patch)[0] == 200
    assert client.chat.completions.create(model="gpt-fake", messages=MSG, max_tokens=100).choices


def test_budget_money_has_no_float_noise(make_router: Callable[..., Router]) -> None:
    """$0.10 less a $0.009 call leaves 0.091 in `/api/usage`'s budget, not 0.09100000000000001; the header names the
    USD left with the call's worst case set aside to the same digits (both kept to the ledger's 10 places)."""
    from urllib.request import Request, urlopen

    router = make_router(extra_toml=PRICED)
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "cents", "budgetUsd": 0.1})
    body = json.dumps({"model": "gpt-fake", "messages": MSG, "max_tokens": 5}).encode()
    call = Request(router.v1 + "/chat/completions", data=body, method="POST",
                   headers={"Content-Type": "application/json", "Authorization": f"Bearer {proj['token']}"})
    with urlopen(call, timeout=30) as resp:
        header = resp.headers["x-larouter-budget-remaining"]
    worst = Decimal(len(body) + 5) / 1000  # a token per request byte in, max_tokens out, at $1000 per 1M tokens
    assert header == format((Decimal("0.1") - worst).normalize(), "f"), header
    status, text = req(router, "GET", "/api/usage", proj["token"])
    budget = json.loads(text)["budget"]
    assert status == 200 and (budget["spent"], budget["reserved"], budget["remaining"]) == (0.009, 0, 0.091), text


def test_usage_shows_budget_spent_and_remaining(make_router: Callable[..., Router]) -> None:
    """A project's usage carries its budget, what was spent in the window and what remains."""
    router = make_router(extra_toml=PRICED)
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "u", "budgetUsd": 1.0, "budgetWindow": "weekly"})
    openai.OpenAI(base_url=router.v1, api_key=proj["token"], max_retries=0).chat.completions.create(
        model="gpt-fake", messages=MSG, max_tokens=5)
    status, text = req(router, "GET", "/api/usage", proj["token"])
    budget = json.loads(text)["budget"]
    assert status == 200 and budget["budgetUsd"] == 1.0 and budget["window"] == "weekly"
    assert budget["spent"] == pytest.approx(0.009) and budget["remaining"] == pytest.approx(1.0 - 0.009)



@pytest.mark.parametrize("change", ["delete", "rotate"])
async def test_a_token_revoked_while_its_request_arrives_is_refused(make_router: Callable[..., Router], fake: Fake,
                                                                    change: str) -> None:
    """A project deleted, or its token rotated, while a call's body is still arriving: the call is refused when it is
    admitted (401), never sent (it was served by the paid model and billed to the deleted project with no budget, and
    an old token's call went through after the rotation: review AA)."""
    router = make_router(extra_toml=PRICED)
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "leaving", "budgetUsd": 0.0})
    body = json.dumps({"model": "gpt-fake", "messages": MSG}).encode()
    host, port = router.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {proj['token']}\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body[:10])
    await writer.drain()
    path = f"/api/projects/{proj['id']}" + ("/rotate" if change == "rotate" else "")
    method = "DELETE" if change == "delete" else "POST"
    assert (await asyncio.to_thread(http_json, method, router.url + path))[0] == 200
    writer.write(body[10:])
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    assert b" 401 " in status, status
    assert fake.state.requests == []


@pytest.mark.parametrize("change", ["create", "delete", "rotate", "update"])
async def test_a_change_whose_request_is_cancelled_is_made_whole(tmp_path: Path, change: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A project change whose request is cancelled (its client hung up) while projects.json is being written ends
    with the file and the live projects alike (the file was written and the change never adopted: a deleted project's
    token kept working until the next start, review AA)."""
    import threading
    import time

    from larouter.projects.store import ProjectStore

    store = ProjectStore.load(tmp_path)
    project, _ = await store.create({"name": "acme"})
    write, written = ProjectStore._save_sync, threading.Event()

    def slow_write(self: ProjectStore, projects: Any = None) -> None:  # (a slow disk: the cancel lands mid-write)
        time.sleep(0.2)
        write(self, projects)
        written.set()

    monkeypatch.setattr(ProjectStore, "_save_sync", slow_write)
    steps = {"create": lambda: store.create({"name": "other"}), "delete": lambda: store.delete(project.id),
             "rotate": lambda: store.rotate(project.id), "update": lambda: store.update(project.id, {"budgetUsd": 5})}
    task = asyncio.ensure_future(steps[change]())
    await asyncio.sleep(0.05)  # (it is writing the file on a worker thread now)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with store.lock:  # the change runs to its end under the lock
        assert await asyncio.to_thread(written.wait, 10)  # (the file is written, whatever became of the request)
        on_disk = ProjectStore.load(tmp_path).projects
    assert on_disk == store.projects

"""Run aiohttp apps on real loopback ports in a background event loop, so sync clients work too."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any, Callable, Coroutine, TypeVar

import aiohttp
from aiohttp import web

from larouter.app import RUNNER_OPTIONS
from larouter.appkeys import SETTINGS

T = TypeVar("T")


class BackgroundLoop:
    """An event loop in a daemon thread hosting servers under test."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="servers", daemon=True)
        self.thread.start()
        self.runners: list[web.AppRunner] = []

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine on the background loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self, app: web.Application, **runner_kw: Any) -> str:
        """Serve `app` on 127.0.0.1 at a free port; return its base URL."""

        async def _start() -> str:
            # A LARouter app is served as larouterd serves it; the fakes with aiohttp's defaults.
            served = RUNNER_OPTIONS if SETTINGS in app else {"handler_cancellation": True}
            runner = web.AppRunner(app, access_log=None, **{**served, **runner_kw})
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.runners.append(runner)
            host, port = runner.addresses[0][:2]
            return f"http://{host}:{port}"

        return self.run(_start())

    def close(self) -> None:
        """Stop every server, then the loop."""

        async def _stop() -> None:
            for runner in reversed(self.runners):
                await runner.cleanup()

        self.run(_stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll until predicate() is true, or fail after the deadline."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def http_raw(method: str, url: str, body: object = None, headers: dict[str, str] | None = None,
             content_type: str = "application/json", timeout: float = 30.0) -> tuple[int, bytes]:
    """Blocking request with a JSON body (sent with `content_type`) and these extra headers; returns (status, raw
    body), an HTTP error's included."""
    import json
    from urllib.error import HTTPError
    from urllib.request import Request, urlopen

    data = None if body is None else json.dumps(body).encode()
    req = Request(url, data=data, method=method, headers={"Content-Type": content_type, **(headers or {})})
    try:
        with urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except HTTPError as exc:
        return exc.code, exc.read()


def http_json(method: str, url: str, body: object = None, timeout: float = 30.0,
              headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """Blocking JSON request (for fixtures and polling predicates), with these extra headers; returns (status, body)."""
    import json

    status, raw = http_raw(method, url, body, headers, timeout=timeout)
    return status, json.loads(raw or b"null")

def exported_rows(url: str, count: int, project_id: str | None = None) -> list[dict[str, str]]:
    """The usage export of every period (of `project_id`, else of the default project) from the daemon at `url`, as
    dicts, once it holds at least `count` rows."""
    import csv
    import io

    query = "?period=all" + (f"&projectId={project_id}" if project_id else "")

    def read() -> list[dict[str, str]]:
        status, raw = http_raw("GET", url + "/api/usage/export" + query)
        assert status == 200, raw
        return list(csv.DictReader(io.StringIO(raw.decode(), newline="")))

    wait_until(lambda: len(read()) >= count, what=f"{count} usage rows")
    return read()


async def router_call(router: Any, method: str, path: str, body: Any = None,
                      admin: bool = False) -> tuple[int, dict[str, Any]]:
    """One JSON request to a running router (anything with a `url`; with `admin`, its `admin` headers too: changing
    the model registry needs the admin token): its status and JSON answer."""
    async with aiohttp.ClientSession() as s:
        async with s.request(method, router.url + path, json=body, headers=router.admin if admin else None) as r:
            return r.status, await r.json()


def home_admin(home: Path) -> dict[str, str]:
    """Headers presenting the admin token a daemon of this home generated (`<home>/admin_token`), for daemons run as
    subprocesses (an in-process Router has `.admin`)."""
    return {"Authorization": f"Bearer {(home / 'admin_token').read_text().strip()}"}


def register(router: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST /api/models with the router's admin token (loopback trust alone may not register a model: review AF):
    its status and JSON answer."""
    return http_json("POST", router.url + "/api/models", body, headers=router.admin)


def unregister(router: Any, model_id: str) -> tuple[int, dict[str, Any]]:
    """DELETE /api/models/{id} with the router's admin token: its status and JSON answer."""
    return http_json("DELETE", router.url + f"/api/models/{model_id}", headers=router.admin)


async def start_model(router: Any, model: str = "tiny") -> dict[str, Any]:
    """POST /api/models/<model>/start, which must succeed; its answer (the model's pid, port, state)."""
    status, out = await router_call(router, "POST", f"/api/models/{model}/start")
    assert status == 200, out
    return out

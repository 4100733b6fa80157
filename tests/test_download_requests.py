"""Download requests the daemon refuses: an unknown model is a 404, a malformed field or body a 400 naming it, a
malformed or traversal download id a 400, and nothing reaches the hub."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_downloads import Daemon, Hub, daemon, hub, make_daemon, request  # noqa: F401 - fixtures used by name


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({"modelId": "no-such-model", "format": "gguf"}, 404, "modelId"),
        ({"modelId": "../../etc/passwd", "format": "gguf"}, 400, "modelId"),
        ({"modelId": "tiny-test", "format": "safetensors"}, 400, "format"),
        ({"modelId": "tiny-test", "format": 3}, 400, "format"),
        ({"modelId": "tiny-test", "quantization": "Q2_K"}, 400, "quantization"),
        ({"modelId": "tiny-test", "quantization": 4}, 400, "quantization"),
        ({"modelId": "tiny-test", "mmproj": "no"}, 400, "mmproj"),
        ({"modelId": 7}, 400, "modelId"),
        ({"format": "gguf"}, 400, "modelId"),
        ({"modelId": "tiny-test", "path": "/etc"}, 400, "path"),
        ([], 400, None),
    ],
)
async def test_bad_download_requests(daemon: Daemon, hub: Hub, body: Any, status: int,  # noqa: F811
                                     param: str | None) -> None:
    """Unknown models are 404 and malformed fields 400, each naming the field, and nothing is fetched."""
    code, out = await request("POST", daemon.url + "/api/models/download", body)
    assert code == status, out
    assert set(out["error"]) == {"message", "type", "param", "code"} and out["error"]["param"] == param
    assert hub.state.hits == []


async def test_non_json_body_is_400(daemon: Daemon) -> None:  # noqa: F811
    """A body that is not JSON is a 400."""
    code, out = await request("POST", daemon.url + "/api/models/download", raw=b"{nope")
    assert code == 400 and out["error"]["code"] == "invalid_json"


@pytest.mark.parametrize(
    ("download_id", "status"),
    [
        ("dl_0123456789abcdef", 404),
        ("..%2F..%2Fetc%2Fpasswd", 400),
        ("%2E%2E", 400),
        ("dl_0123456789ABCDEF", 400),
        ("dl_..%2F0123456789ab", 400),
        ("dl_%00%0a", 400),
        ("x" * 300, 400),
    ],
)
async def test_bad_download_ids(daemon: Daemon, download_id: str, status: int) -> None:  # noqa: F811
    """Unknown ids are 404 and malformed or traversal ids 400, for progress and cancel alike; never a 500."""
    for method, path in (("GET", f"/api/models/download/{download_id}/progress"),
                         ("DELETE", f"/api/models/download/{download_id}")):
        code, out = await request(method, daemon.url + path)
        assert code == status, (method, out)
        assert out["error"]["param"] == "id" and "Traceback" not in out["error"]["message"]

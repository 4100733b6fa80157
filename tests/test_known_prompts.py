"""A framework's own check-in prompt, sent unchanged, is a heartbeat at once (known_prompts.py): with OpenClaw's
clock line, in an agent conversation, through the SDK to the local model; only the whole turn counts, what the
classifier checks after the rules still applies, and the list is a setting."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

import pytest

from larouter.app import make_app
from larouter.config import load_settings
from larouter.routing import Tier, classify
from larouter.routing.known_prompts import DEFAULT_KNOWN_PROMPTS
from larouter.runtime import load_runtime
from tests.conftest import Fake, Router
from tests.support.servers import BackgroundLoop, http_json
from tests.test_routing import CODING, HEARTBEAT, agent_conversation, ask, routed  # noqa: F401 (fixture)

VERBATIM = "heartbeat: a framework's own check-in prompt, verbatim"
NANOBOT = ("Read HEARTBEAT.md in your workspace (if it exists).\nFollow any instructions or tasks listed there.\n"
           "If nothing needs attention, reply with just: HEARTBEAT_OK")


def explain(router: Router, messages: list[dict[str, Any]]) -> dict[str, Any]:
    status, out = http_json("POST", router.url + "/api/route/explain", {"model": "auto", "messages": messages})
    assert status == 200, out
    return out


def test_openclaws_prompt_goes_to_the_local_model_through_the_sdk(routed: Callable[..., Router], fake: Fake) -> None:
    router = routed()
    raw = ask(router, agent_conversation(HEARTBEAT))
    assert raw.headers["x-larouter-tier"] == "HEARTBEAT" and raw.headers["x-larouter-model"] == "local-fake"
    assert VERBATIM in raw.headers["x-larouter-reason"], raw.headers["x-larouter-reason"]
    spaced = NANOBOT.replace("\n", "  \n ").replace(". ", ".   ")  # runs of whitespace count as one space
    out = explain(router, agent_conversation(spaced + "\nCurrent time: 2026-12-05 09:30 UTC"))
    assert out["tier"] == "HEARTBEAT" and VERBATIM in out["reasons"], out


@pytest.mark.parametrize("text", [
    HEARTBEAT + "\nAlso: " + CODING,  # something after it
    "What does this prompt do? " + HEARTBEAT,  # quoted in a question
    HEARTBEAT.replace("HEARTBEAT.md", "TODO.md"),  # the prompt as its user edited it: no longer verbatim
])
def test_only_the_whole_unchanged_turn_counts(routed: Callable[..., Router], text: str) -> None:
    out = explain(routed(), agent_conversation(text))
    assert VERBATIM not in out["reasons"], out


def test_a_checklist_read_by_the_tool_still_counts(routed: Callable[..., Router]) -> None:
    """The verbatim prompt, then the agent reads its HEARTBEAT.md and finds a task due: classified on the task."""
    messages = [*agent_conversation(HEARTBEAT),
                {"role": "assistant", "content": None, "tool_calls": [{"id": "h1", "type": "function", "function": {
                    "name": "read", "arguments": json.dumps({"path": "HEARTBEAT.md"})}}]},
                {"role": "tool", "tool_call_id": "h1",
                 "content": "# Heartbeat checklist\n- [ ] Today after 09:00: " + CODING}]
    out = explain(routed(), messages)
    assert out["tier"] != "HEARTBEAT" and any("tool result lists a task due" in r for r in out["reasons"]), out


def test_the_list_is_a_setting(tmp_path: Path) -> None:
    """`known_prompts` replaces the list: an empty one sends OpenClaw's prompt through the rules (still a heartbeat),
    one's own framework prompt is recognised verbatim."""
    mine = "Zorro agent tick: read TICK.md; if it lists nothing, answer ZORRO_IDLE."
    cfg = tmp_path / "c.toml"
    cfg.write_text("[routing.classifier.heartbeat]\nknown_prompts = " + json.dumps([mine]) + "\n")
    config = load_settings(cfg, env={}).routing.classifier
    decision = classify({"messages": [{"role": "user", "content": mine}]}, config)
    assert decision.tier is Tier.HEARTBEAT and decision.reasons[-1] == VERBATIM, decision
    decision = classify({"messages": [{"role": "user", "content": HEARTBEAT}]}, config)
    assert decision.tier is Tier.HEARTBEAT and decision.reasons[-1] != VERBATIM, decision


def test_the_readme_config_example_keeps_the_shipped_prompts(servers: BackgroundLoop, home: Path,
                                                               tmp_path: Path) -> None:
    """The README's config example, copied as it is, keeps OpenClaw's and nanobot's prompts and makes no placeholder
    a verbatim heartbeat (it once set `known_prompts = ["..."]`, which replaced them and made "..." one)."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    example = re.search(r"```toml\n(\[server\].*?)```", readme.split("## Configure", 1)[1], re.S)
    assert example, "README lost its config example"
    cfg = tmp_path / "readme.toml"
    cfg.write_text(example.group(1))
    runtime = load_runtime(cfg, env={"LAROUTER_HOME": str(home)})
    assert runtime.settings.routing.classifier.heartbeat.known_prompts == DEFAULT_KNOWN_PROMPTS
    router = Router(servers.start(make_app(runtime)), runtime.settings)
    assert explain(router, [{"role": "user", "content": "..."}])["tier"] != "HEARTBEAT"
    out = explain(router, [{"role": "user", "content": NANOBOT}])
    assert out["tier"] == "HEARTBEAT" and out["reasons"][-1] == VERBATIM, out

"""Translating or summarising technical material for a reader is writing (MEDIUM), not engineering (COMPLEX): the
code words are in the material (the blind v33 round: five such requests went to COMPLEX). Engineering asked beside
it, code as what is translated, or a programming language as the target keeps COMPLEX."""

from __future__ import annotations

import pytest

from larouter.routing import Tier
from tests.support.agents import envelope, tier

README = ("## Quick start\n\n1. Clone the repo and install dependencies:\n   ```bash\n   git clone https://github.com/"
          "acme/tidepool.git\n   cd tidepool && npm install\n   ```\n2. Copy `.env.example` to `.env` and set "
          "`TIDEPOOL_API_KEY`.\n3. Run `npm run dev`; the API listens on port `8787`.\n\n### Troubleshooting\n- "
          "`ECONNREFUSED 127.0.0.1:8787` means the API process isn't running.\n- If `migrate()` throws `SQLITE_BUSY`, "
          "another process holds the database.")
THREAD = ("#inc-0412-search (exported)\n09:02 Oliver: search-api p99 at 9s, pods restarting. kubectl get pods shows "
          "4/12 OOMKilled\n09:04 Zainab: started after the 08:45 deploy of search-api 4.18.0, which bumped the "
          "embedding cache from LRU(5k) to LRU(50k)\n09:07 Zainab: rolling back: kubectl rollout undo deploy/search-api"
          "\n09:12 Oliver: rollback done, p99 back to 380ms\n09:31 Zainab: follow-ups: cache size as a config value, an "
          "alert on container_memory_working_set_bytes > 85% of limit")
SCRIPT = "```python\nimport json\n\ndef load(path):\n    with open(path) as f:\n        return json.load(f)\n```"


@pytest.mark.parametrize("text", [
    f"Translate this README section into Latin American Spanish for our docs site:\n\n{README}",
    f"Summarise this incident thread for Gwen (VP Customer, not an engineer), 5 sentences max.\n\n{THREAD}",
    f"{THREAD}\n\nCan you summarise the above for our customers in three plain sentences?",
    f"Übersetze diesen Abschnitt ins Deutsche, Markdown bitte beibehalten:\n\n{README}",
    f"把下面的内容翻译成简体中文，给国内用户看：\n\n{README}",
    "Summarize this in two sentences: Kubernetes uses etcd as a consistent key-value store; the API server is the only "
    "component talking to etcd, and controllers reconcile desired state via watch streams.",  # one paragraph
])
def test_translating_or_summarising_technical_material_is_medium(text: str) -> None:
    """The request is prose; the material's code cues do not make it COMPLEX (without the rule: COMPLEX)."""
    assert tier(envelope(text)) is Tier.MEDIUM


@pytest.mark.parametrize("text", [
    f"Translate this Python script into Go:\n{SCRIPT}",
    f"Translate this code into proper Rust:\n{SCRIPT}",
    f"Summarise the following code:\n{SCRIPT}",
    f"Summarise this incident thread and find the root cause:\n\n{THREAD}",
    f"Translate the README below into Spanish and fix the broken `npm run dev` step:\n\n{README}",
    f"Summarise what `load()` does and review it:\n{SCRIPT}",
])
def test_engineering_beside_the_translation_or_summary_stays_complex(text: str) -> None:
    """Code as the thing translated, a programming language as the target, engineering asked beside it, or code in
    the request's own words: the material is worked on."""
    assert tier(envelope(text)) is Tier.COMPLEX


DOCS = ("## Heartbeat (gateway)\n- Default interval: 30m; use 0m to disable.\n- The reply is dropped if the remaining "
        "content is ≤ ackMaxChars (default: 300).\n- activeHours restricts heartbeats to a window; outside it, beats are "
        "skipped.")
PROBLEM = "Let $f(x)=x^2+3x$. Prove that $f$ is convex on $\\mathbb{R}$ and find $\\min_{x} f(x)$."


@pytest.mark.parametrize(("text", "expected"), [
    (f"아래 OpenClaw 하트비트 문서를 한국어로 5줄 이내로 요약해줘.\n\n{DOCS}", Tier.MEDIUM),
    (f"Translate this problem into German for my tutoring sheet:\n\n{PROBLEM}", Tier.MEDIUM),
    (f"Translate this problem into German and solve it:\n\n{PROBLEM}", Tier.REASONING),
    (f"Übersetze die Aufgabe ins Englische und löse sie:\n\n{PROBLEM}", Tier.REASONING),
])
def test_maths_notation_in_the_material_of_a_summary_is_no_reasoning_request(text: str, expected: Tier) -> None:
    """"≤" in docs to summarise (blind v33) or a problem to translate: writing, MEDIUM; asked to solve it too: the
    request's own words ask for reasoning."""
    assert tier(envelope(text)) is expected

"""Turns that talk about heartbeats are work, whatever check-in words and idle tokens they quote: a payload under
review, a proof about lost beats, a bug report that ends in a question, a request to rewrite a check-in prompt."""

from __future__ import annotations

from typing import Callable

import openai
import pytest

from larouter.routing import Tier, classify
from larouter.routing.rules import DEFAULT, ClassifierConfig
from tests.conftest import Fake, Router
from tests.support.agents import BOTH_CONFIGS, RULES_ONLY

CHAINS = ('\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\n'
          '\n[routing.policies.cost-optimized]\nHEARTBEAT = ["local-fake"]\nSIMPLE = ["gpt-fake"]\n'
          'MEDIUM = ["gpt-fake"]\nCOMPLEX = ["gpt-fake"]\nREASONING = ["gpt-fake"]\n')

PROOF = ("Each periodic heartbeat check is lost independently with probability p. Show that the expected number "
         "of checks up to and including the first two consecutive losses is (1 + p) / p^2.")


def tier(text: str, config: ClassifierConfig = DEFAULT) -> Tier:
    return classify({"messages": [{"role": "system", "content": "You are the ops team's agent."},
                                  {"role": "user", "content": text}]}, config).tier


@BOTH_CONFIGS
@pytest.mark.parametrize("text", [
    # A check-in payload quoted in a code block, with prose around it: somebody asks about it.
    'Payload from the gateway, for review against our spec:\n\n```json\n{"kind": "heartbeat", "queued": 0, '
    '"at": "2026-02-01 08:00", "reply": "IDLE"}\n```\n\nThe spec says `at` must be ISO 8601 with a zone and '
    '`reply` is not allowed at all.',
    # A bug report that quotes the idle token and a log, and ends by asking.
    "Nuestro agente responde a cada latido con HEARTBEAT_OK aunque HEARTBEAT.md tiene una tarea pendiente. "
    "Extracto del log del gateway:\n\n09:00:00 heartbeat: dispatch agent=main\n"
    "09:00:01 heartbeat: workspace HEARTBEAT.md bytes=0 (skipped read)\n09:00:02 heartbeat: reply=HEARTBEAT_OK "
    "suppressed\n\nEl archivo está en ~/agente/HEARTBEAT.md y pesa 512 bytes, y el contenedor monta ~/agente en "
    "/workspace. ¿Qué está fallando y cómo lo soluciono bien?",
    # Requests to rewrite a check-in prompt or its schedule, in scripts that put the verb last.
    "把下面这段心跳提示改写得更口语化：“请检查待办列表，如果没有需要处理的事情，只回复 HEARTBEAT_OK。”",
    "このcronを毎時じゃなくて10分ごとに動くように変えて: 0 * * * * /opt/agent/heartbeat.sh",
    # Requests and questions opening in Esperanto and Galician.
    "Traduku ĉi tiun keep-alive-mesaĝon en la anglan: „La sistemo funkcias. Neniu ago necesas.“",
    "Kial mia keep-alive-mesaĝo ne alvenas al la servilo ĉiun minuton?",
    "Que fai o keep-alive de HTTP? Respóndeme breve.",
    # An ack asked "if you understand": a confirmation before the real task (sv, nl).
    "Svara OK om du förstår, och vänta sedan på mitt nästa meddelande med själva uppgiften.",
    "Antwoord OK als je het begrijpt en wacht dan op mijn volgende bericht met de opdracht.",
    # A Swahili request, and a short question after the idle tokens it names.
    "Eleza jinsi keep-alive inavyofanya kazi katika TCP, kwa mfano mfupi.",
    "Our bots use two idle tokens, HEARTBEAT_OK and NO_REPLY. Which one should a Telegram bot send when the gateway "
    "is supposed to drop the message entirely?",
    # A reminder listed in a Japanese check-in (due in an hour) is news.
    "【定期確認】午前9時\n新着メール：0件\nリマインダー：10:00 歯科検診 — あと1時間です\n対応不要なら「なし」とだけ返信してください。",
    # A reminder that is due now (Arabic), inside a check-in that asks for the idle reply.
    "فحص دوري 09:00\nتذكير مستحق الآن: إرسال الفاتورة إلى شركة النور.\nإذا لم يكن هناك ما يلزم فعله، أجب فقط بـ «هادئ».",
])
def test_turns_about_heartbeats_are_work(text: str, config: ClassifierConfig) -> None:
    assert tier(text, config) is not Tier.HEARTBEAT


@BOTH_CONFIGS
def test_a_proof_about_heartbeats_is_reasoning(config: ClassifierConfig) -> None:
    assert tier(PROOF, config) is Tier.REASONING


def test_a_fenced_payload_alone_is_still_a_check_in() -> None:
    """The code-block guard needs prose around the block: a scheduler that sends its payload fenced is a beat."""
    assert tier("```yaml\nping: fleet_status\nat: 2026-02-11 09:30 UTC\nlate_eta: 0\ndriver_messages: 0\n```",
                RULES_ONLY) is Tier.HEARTBEAT


def test_the_proof_goes_to_the_reasoning_chain(make_router: Callable[..., Router], fake: Fake) -> None:
    router = make_router(extra_toml=CHAINS.format(url=fake.url))
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = c.chat.completions.with_raw_response.create(model="auto", messages=[{"role": "user", "content": PROOF}])
    assert raw.parse().choices[0].message.content
    assert raw.headers["x-larouter-tier"] == "REASONING" and raw.headers["x-larouter-model"] == "gpt-fake"
    assert "asks for reasoning" in raw.headers["x-larouter-reason"]


OPENCLAW = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks from "
            "prior chats. If nothing needs attention, reply HEARTBEAT_OK.")


@BOTH_CONFIGS
@pytest.mark.parametrize(("tail", "expected"), [
    ("\nAlso, prove that there are infinitely many primes.", Tier.REASONING),
    (" Then write a Python script that deduplicates my 40GB CSV of customer records.", Tier.COMPLEX),
    ("\nCurrent time: Thursday, April 30th, 2026 - 10:00 AM (America/New_York)", Tier.HEARTBEAT),
    ("\nAlso check the calendar for tomorrow.", Tier.HEARTBEAT),
    ("\n\nAlso — draft the Q3 investor update from memory/q3-notes.md: ARR, burn, runway and the hiring freeze.",
     Tier.MEDIUM),  # writing asked (blind v34)
    (" Otherwise write a friendly 5-line morning brief.", Tier.HEARTBEAT),  # the check-in's own branch for news
    ("\n\nHEARTBEAT.md:\n```\n# Heartbeat checklist\n<!-- Keep this file empty to skip heartbeat work. -->\n```",
     Tier.HEARTBEAT),
])
def test_a_request_written_after_the_check_in_is_classified_on_it(tail: str, expected: Tier,
                                                                   config: ClassifierConfig) -> None:
    """A person's request after a framework's check-in words ("… reply HEARTBEAT_OK.\\nAlso, prove …") is that
    request's work (it went to the heartbeat model: the tenth review); the clock line, a light check-in chore and the
    check-in's own pasted file are not."""
    assert classify({"messages": [{"role": "user", "content": OPENCLAW + tail}]}, config).tier is expected


@BOTH_CONFIGS
@pytest.mark.parametrize("text", [
    "Heartbeat check 2026-04-06 15:00 UTC. p95 latency (ms): 212, 198, 305, 240, 221, 260.\nIf the average of these "
    "values is above 240 ms, alert with the average; otherwise reply HEARTBEAT_OK.",
    "Heartbeat self-check (daily 17:00). Reply HEARTBEAT_OK only if the open invoices below add up to 4,821.50 EUR; "
    "otherwise reply with the difference.\nOpen invoices: INV-2291 1,204.00; INV-2296 987.25; INV-2301 1,550.00",
    "heartbeat sanity test: reply HEARTBEAT_OK only if the number of primes below 100 is even. Otherwise reply with "
    "that number.",
    "Reply with just OK if 3599 is prime.",
    # blind v40: the computation asked as a task before the condition
    "Heartbeat task (from HEARTBEAT.md): add up the unpaid invoices below. If the total is above €5,000, draft a "
    "polite reminder email to Sofia listing them; otherwise reply HEARTBEAT_OK.\n\nINV-2041  €1,240.00\n"
    "INV-2044  €980.50\nINV-2047  €2,115.00",
    # blind v41: a total of listed amounts against a bound, a judgement of the date
    "Heartbeat check: the pending invoices are 1,240.50 EUR, 980.00 EUR, 2,315.75 EUR and 612.40 EUR. If their total "
    "exceeds 5,000 EUR, send me a summary with the total; otherwise reply HEARTBEAT_OK.",
    "Heartbeat rule: if today is the last business day of the month (Mon–Fri, ignore holidays), remind me to run "
    "payroll; otherwise reply HEARTBEAT_OK.\nCurrent time: Friday, May 29th, 2026 - 09:00 AM (Europe/Berlin)",
])
def test_an_idle_reply_conditioned_on_a_computation_is_work(text: str, config: ClassifierConfig) -> None:
    """Blind v37-v39: the idle reply may be given only after computing something (an average, a sum, a primality);
    the check-in words and the token must not send that to the local model."""
    assert tier(text, config) is not Tier.HEARTBEAT
    quiet = "Heartbeat check 2026-04-06 15:00 UTC. If nothing needs attention, reply HEARTBEAT_OK even if it is late."
    assert tier(quiet, config) is Tier.HEARTBEAT

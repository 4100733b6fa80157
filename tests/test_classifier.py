"""The tier classifier, through real calls to `classify` (no mocks, no I/O)."""

from __future__ import annotations

import copy
from typing import Any

import cattrs
import pytest

from larouter.proxy.call import header_safe
from larouter.routing import DEFAULT, ClassifierConfig, Decision, Tier, classify
from larouter.routing.compiled import compile_rules
from larouter.routing.envelope import strip_envelope
from larouter.textsafe import UNSAFE_RE
from tests.support.agents import HB_PROMPT, TIME_LINE, agent, call, envelope, result, tier


def test_heartbeat_in_long_agent_conversation() -> None:
    """The OpenClaw heartbeat with its time line, after real work, under a system prompt full of HEARTBEAT_OK, is HEARTBEAT."""
    d = classify(agent(HB_PROMPT + TIME_LINE))
    assert d.tier is Tier.HEARTBEAT
    assert d.confidence >= 0.9
    assert any("heartbeat" in r for r in d.reasons)


def test_heartbeat_followed_by_its_tool_call_stays_heartbeat() -> None:
    """The agent reading HEARTBEAT.md after the poll is still the heartbeat's work."""
    assert tier(HB_PROMPT, call(9, "read"), result(9, "# HEARTBEAT.md\n\n# Keep this file empty.\n")) is Tier.HEARTBEAT


def test_heartbeat_whose_tool_read_a_due_task_is_work() -> None:
    """A checklist read by the heartbeat's tool counts like one inlined in the prompt: an item due now is work."""
    checklist = "# HEARTBEAT.md\n\n- TODAY after 18:00: remind Mia to take the recycling out\n"
    d = classify(agent(HB_PROMPT, call(9, "read"), result(9, checklist)))
    assert d.tier is not Tier.HEARTBEAT
    assert any("tool result lists a task due" in r for r in d.reasons)
    calm = "# HEARTBEAT.md\n\n- Check the inbox for anything urgent\n"  # a standing check, nothing dated or due
    assert tier(HB_PROMPT, call(9, "read"), result(9, calm)) is Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "HEARTBEAT /think:high",
    "[OpenClaw heartbeat poll]",
    "Read HEARTBEAT.md in your workspace (if it exists).\nFollow any instructions or tasks listed there.\n"
    "If nothing needs attention, reply with just: HEARTBEAT_OK",
    "A scheduled cron event was triggered, but no event content was found. Reply NO_REPLY.",
    '{"type": "heartbeat", "reason": "Automated timer", "time": "2024-05-01 10:00:00 AM PDT-0700"}',
    "This is a periodic heartbeat check. Please briefly review:\n- Any pending tasks\n- Current project status\n"
    "If nothing needs attention, respond briefly that all is well.",
    "Review the following HEARTBEAT.md and decide whether there are active tasks.\n\n# Heartbeat Tasks\n\n"
    "## Active Tasks\n\n<!-- Add your periodic tasks below this line -->\n\n## Completed\n",
    "Latido periódico: lee HEARTBEAT.md si existe. Si nada requiere atención, responde HEARTBEAT_OK.",
    "心跳检查：如果存在 HEARTBEAT.md 请阅读并严格执行。如果没有需要处理的事项，请回复 HEARTBEAT_OK。",
    "Периодическая проверка: если ничего не требует внимания — ответь NO_REPLY.",
])
def test_heartbeat_variants(text: str) -> None:
    """Other frameworks' check-ins and non-English variants are heartbeats too."""
    assert tier(text) is Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "Update `HEARTBEAT.md` to add a daily calendar check.",
    "Rewrite `HEARTBEAT.md` so it’s shorter and focused on inbox follow-ups.",
    "# Heartbeat checklist\n\n- Quick scan: anything urgent in inboxes?\n- If it’s daytime, do a lightweight "
    "check-in if nothing else is pending.\n- If a task is blocked, write down *what is missing* and ask Peter next time.",
    "Why did you answer HEARTBEAT_OK at 9am when my flight had been cancelled?",
    "Write a bash script that counts HEARTBEAT_OK replies per hour in the gateway log",
    "Add a line to HEARTBEAT.md: check the mailbox every morning, reply HEARTBEAT_OK if empty",
    "what does NO_REPLY mean?",
    # A last question that names the token again (written for this test after a row of blind v23)
    'Umufasha wacu wa Telegram rimwe na rimwe isubiza "NO_REPLY" ku kibazo cy\'umukiriya maze umukiriya ntabone '
    "igisubizo. NO_REPLY ivuga iki, kandi kuki umufasha yayohereza aho gusubiza umukiriya?",
])
def test_hard_negatives_are_not_heartbeats(text: str) -> None:
    """Requests about heartbeats, or quoting the ack, are real work."""
    assert tier(envelope(text)) is not Tier.HEARTBEAT
    assert tier(text) is not Tier.HEARTBEAT


@pytest.mark.parametrize("text", [
    "[tick] Timer fired. Nothing queued? Then answer NO_WORK.",
    "Automated status poll: any open action items on your side? If none, return NOTHING_PENDING.",
    "Liveness check from the orchestrator: reply OK if you are up and have nothing pending.",
    "Job invoked by the scheduler (interval=900s). Anything to escalate? Otherwise respond IDLE.",
    "Geplante Prüfung: steht etwas an? Wenn nicht, nur NO_REPLY antworten.",
    "Vérification périodique : rien de nouveau ? Dans ce cas réponds simplement « rien à signaler ».",
    "Controllo periodico delle attività: se non c'è nulla da fare rispondi NO_REPLY.",
    "정기 점검 시간입니다. 처리할 일이 없으면 NO_REPLY로 답하세요.",
    "定期チェックです。対応が必要なものがなければ HEARTBEAT_OK と返してください。",
    "Пинг-хартбит от планировщика. Если дел нет — HEARTBEAT_OK.",
    "Battement de cœur horaire. Rien de neuf ? Réponds NO_REPLY s'il n'y a rien à faire.",
    "Önceki işleri tekrarlama. Yapılacak bir şey yoksa HEARTBEAT_OK yanıtını ver.",
    "할 일이 없으면 HEARTBEAT_OK라고 답하세요.",
    '{"event": "scheduler.tick", "job": "mail_watch", "new_messages": 0, "pending": []}',
    '<heartbeat seq="12"><queue size="0"/></heartbeat>',
    "Agent wake-up (every 15 min). Nothing new. Reply [QUIET] unless the user needs you.",
    "/ping (auto, every 10m)",
    "Hourly check-in from the runner: inbox empty. Send ✅ if there is nothing to do.",
    '{"类型":"定时心跳","时间":"09:00","待处理订单":0,"异常件":0}',
    "/heartbeat shard=3 latency=38ms mentions=0",
    "/poll inbox since=09:00 → 0 new",
    "Scheduled check-in. Config for reference:\n```yaml\nevery: 30m\n```\nIf nothing needs attention, reply QUIET_OWL.",
])
def test_other_frameworks_check_ins(text: str) -> None:
    """Timer ticks, status polls and scheduled wake-ups with any framework's idle token or phrase, in several
    languages and word orders, are heartbeats."""
    assert tier(text) is Tier.HEARTBEAT
    assert tier(envelope(text)) is Tier.HEARTBEAT


def test_heartbeat_with_work_due_is_classified_on_the_tasks() -> None:
    """A heartbeat whose inlined task list has items is not a heartbeat; the tasks decide the tier."""
    d = classify(agent("Run the following periodic tasks (only those due based on their intervals):\n\n"
                       "- ci: Write a Python script that bisects the failing pytest run and open a PR with the fix.\n\n"
                       "After completing all due tasks, reply HEARTBEAT_OK."))
    assert d.tier is Tier.COMPLEX
    assert any("task due" in r for r in d.reasons)


def test_tool_result_turn_uses_the_originating_user_turn() -> None:
    """Trailing tool calls and results are stepped over to the user turn that started them."""
    d = classify(agent("write a python function that parses ISO 8601 durations, with pytest tests",
                       call(2, "read"), result(2, "ok"), call(3, "write"), result(3, "thanks")))
    assert d.tier is Tier.COMPLEX
    assert any("tool-result turn" in r for r in d.reasons)
    assert tier("what's the weather in Berlin?", call(4, "web_search"), result(4, "def f(x): return x ** 2")) is Tier.SIMPLE


def test_envelope_is_stripped() -> None:
    """Metadata blocks, timestamp headers, message ids and time lines are removed before classifying."""
    raw = envelope("thanks, that's perfect") + "\n[message_id: 4411]" + TIME_LINE
    clean, removed = strip_envelope(raw, compile_rules(DEFAULT))
    assert clean == "thanks, that's perfect"
    assert removed
    d = classify(agent(raw))
    assert d.tier is Tier.SIMPLE
    assert any(r.startswith("envelope stripped") for r in d.reasons)


def test_letta_json_user_message_is_unwrapped() -> None:
    """A Letta-style JSON user message is classified on its message."""
    msg = '{"type": "user_message", "message": "Prove that there are infinitely many primes.", "time": "now"}'
    assert classify({"messages": [{"role": "user", "content": msg}]}).tier is Tier.REASONING


def test_system_prompt_is_ignored() -> None:
    """Code, proofs and heartbeat text in the system prompt never drive the tier."""
    assert tier("thanks!") is Tier.SIMPLE
    assert tier(envelope("draft a short thank-you note to my neighbour")) is Tier.MEDIUM


def test_tools_and_history_are_not_signals() -> None:
    """The same user turn gets the same tier bare and inside a long agent conversation."""
    for text in ("thanks!", "Prove that sqrt(2) is irrational.", "write a Go HTTP server with graceful shutdown"):
        assert classify({"messages": [{"role": "user", "content": text}]}).tier == tier(envelope(text))


def test_no_signal_is_medium() -> None:
    """A request with no cue at all is MEDIUM, not the cheapest tier."""
    d = classify({"messages": [{"role": "user", "content":
        "My neighbour keeps parking in front of our gate every evening and I would like to talk to him "
        "about it without turning this into a feud between our families."}]})
    assert d.tier is Tier.MEDIUM
    assert any("no signal" in r for r in d.reasons)


@pytest.mark.parametrize("text", [
    "Prove that there are infinitely many primes.",
    "Prove your answer: can a chessboard missing two opposite corners be tiled by dominoes?",
    "Evaluate $\\lceil{\\sqrt{20}}\\rceil^2$.",
    "In how many ways can 8 people sit around a round table if 3 of them must sit together?",
    # "prove" in more languages (hr, pl, vi)
    "Dokaži da je zbroj prvih n neparnih brojeva jednak n².",
    "Udowodnij, że suma kątów wewnętrznych trójkąta wynosi 180 stopni.",
    "Chứng minh rằng căn bậc hai của 2 là số vô tỉ.",
    # "show that" in Russian; a constraint puzzle that names itself only by its question (blind v33)
    "Покажи, что порог φ = 8 соответствует вероятности ложного подозрения 10⁻⁸, и вычисли тайм-аут при σ = 0,1 с.",
    # maths written in ASCII or named in other scripts (the tenth review: these went to SIMPLE or MEDIUM)
    "What is the smallest n such that n! has 100 trailing zeros?",
    "Quel est le plus petit entier n tel que 2^n > 10^30 ?",
    "Solve for x: log2(x) + log2(x-2) = 3",
    "100の階乗の末尾にゼロはいくつありますか？",
    "Five nurses each take one night shift Monday to Friday. Ama can't do Monday. Bilal works the day right after "
    "Chen. Dora works earlier in the week than Eero. Who works which night? Say whether the solution is unique.",
])
def test_short_hard_prompts_are_reasoning(text: str) -> None:
    """Short prompts can be hard."""
    assert tier(envelope(text)) is Tier.REASONING


def test_long_trivial_prompt_is_not_expensive() -> None:
    """A long pasted text with a trivial instruction stays at most MEDIUM."""
    text = "translate this to Spanish please:\n\n" + "We will meet at the office on Monday at nine. " * 60
    assert tier(envelope(text)).rank <= Tier.MEDIUM.rank


@pytest.mark.parametrize("text", [
    "Write a Python function that parses ISO 8601 dates and add unit tests.",
    "tests started failing:\n```\nTraceback (most recent call last):\n  File \"app.py\", line 3\nKeyError: 'id'\n```\nfix it",
    "refactor src/billing/invoice.py to use dataclasses and add type hints",
    "Design a multi-region active-active architecture for our payments service with exactly-once semantics, outlining "
    "trade-offs between Spanner, CockroachDB and a Kafka-based saga approach.",  # system design (it was MEDIUM)
    # Go by its capitalised name, as what the code is written in (blind v35, v26, v12: MEDIUM)
    "心跳检测的超时时间应该怎么设置？给我一个 Go 的实现：每个节点 5 秒一次心跳，用滑动窗口，说明一下参数怎么选。",
    "Write a small service in Go that pings each host every 30 s and exposes the results over HTTP with tests.",
])
def test_code_tasks_are_complex(text: str) -> None:
    """Code work goes to COMPLEX."""
    assert tier(envelope(text)) is Tier.COMPLEX


@pytest.mark.parametrize("text", ["Let's go to the park in the morning, then go home.",
                                  "Go ahead and book the table for four at eight."])
def test_go_the_verb_is_no_language(text: str) -> None:
    """Only "Go" written as the language's name ("in Go", "a Go implementation") is a code cue."""
    assert tier(envelope(text)).rank <= Tier.MEDIUM.rank


@pytest.mark.parametrize(("text", "code"), [
    ("sync daemon: queue_depth=0 last_sync=2m ago errors_total=0, anything for me?", False),  # status fields
    ("printer report: pages_printed=\"412\" toner_level=80, is that normal for a week?", False),
    ("why does retry_count stay at 0 after the third failure?", True),  # a variable asked about
    ("set max_retries to 5 in the worker", True),
])
def test_a_key_value_status_field_is_not_a_code_identifier(text: str, code: bool) -> None:
    """snake_case names as `key=value` fields of a status line are readings, not code: they do not push a short
    turn to MEDIUM as "code identifier"; the same names in prose still count."""
    reasons = " ".join(classify({"messages": [{"role": "user", "content": text}]}).reasons)
    assert ("code identifier" in reasons) is code, reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("which http status code means too many requests again?", Tier.MEDIUM),
    ("what exit code does a python script return on an uncaught exception?", Tier.MEDIUM),
    ("why does this raise?\n```python\nprint({}['id'])\n```", Tier.COMPLEX),  # code in it: real code work
    ("Write a Python function that reverses a string.", Tier.COMPLEX),
])
def test_short_questions_with_code_words(text: str, expected: Tier) -> None:
    """A short question whose only code cues are words ("status code", "python") is not code work; with code in it,
    or as a request to write some, it is."""
    assert tier(envelope(text)) is expected


@pytest.mark.parametrize(("text", "expected"), [
    # Truth-teller/liar puzzles and constraint problems asking for every solution are reasoning work...
    ("Three people stand in a row. Each is a knight or a knave. The first says the other two are knaves; "
     "the last says exactly one of us tells the truth. Which is which?", Tier.REASONING),
    ("В деревне живут рыцари и лжецы. Первый житель сказал: «Мы оба лжецы». Кто он?", Tier.REASONING),
    ("Seat six guests at a round table so that no two colleagues sit together and Ana faces Ben. "
     "Find all valid arrangements, or prove there are none.", Tier.REASONING),
    # (blind v35) the cast described rather than named, a weighing puzzle, every integer solution
    ("Three on-call bots A, B, C. Each either always tells the truth or always lies. A says: \"B is a liar.\" "
     "C says: \"B tells the truth.\" Which bots are truthful?", Tier.REASONING),
    ("12 coins, one counterfeit, a balance scale and 3 weighings: give a strategy that finds the fake.", Tier.REASONING),
    ("homework check for my son: find all integer solutions of x² − y² = 2026", Tier.REASONING),
    # (blind v36, v16) the puzzle's cast and counting questions in other languages
    ("Bir adada şövalyeler hep doğruyu, düzenbazlar hep yalan söyler. A: \"B bir düzenbazdır.\" C'nin ne olduğu "
     "belirlenebilir mi?", Tier.REASONING),
    ("Сколькими способами можно расставить 8 не бьющих друг друга ладей на доске 8×8 так, чтобы ни одна не стояла на "
     "главной диагонали? Нужен ответ с выводом формулы.", Tier.REASONING),
    # ...but someone's honesty or a plain list is not.
    ("My teenager always lies about homework. How should I talk to her about it?", Tier.MEDIUM),
    ("He always tells the truth about deadlines; can you draft a thank-you note to him?", Tier.MEDIUM),
])
def test_puzzles_and_honesty(text: str, expected: Tier) -> None:
    """A puzzle family named by its cast (knights and knaves, truth-tellers) or a request for every solution of
    a constraint problem is REASONING; ordinary talk of lying or telling the truth is not a puzzle."""
    assert tier(envelope(text)) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Demuestra que la raíz cuadrada de 2 es irracional.", Tier.REASONING),
    ("Démontrez que la somme des angles d'un triangle vaut 180 degrés.", Tier.REASONING),
    ("Beweise, dass es unendlich viele Primzahlen gibt.", Tier.REASONING),
    ("Prove que não existe um maior número primo.", Tier.REASONING),
    ("证明：对任意正整数 n，n^3 - n 能被 6 整除。", Tier.REASONING),
    ("n が奇数のとき n^2 - 1 が 8 で割り切れることを証明してください。", Tier.REASONING),
    ("请证明根号3是无理数", Tier.REASONING),  # no notation: "根号" (radical) and "无理数" (irrational) are the maths
    ("루트 3이 무리수임을 증명하시오.", Tier.REASONING),
    ("Докажите, что сумма углов треугольника равна 180 градусам.", Tier.REASONING),
    ("Escribe una función en Python que ordene una lista de diccionarios por fecha.", Tier.COMPLEX),
    ("Écris un script bash qui sauvegarde /etc chaque nuit et garde 7 versions.", Tier.COMPLEX),
    ("Schreibe eine Python-Funktion, die doppelte Dateien anhand ihres SHA-256-Hashes findet.", Tier.COMPLEX),
    ("Напиши функцию на Go, которая читает JSON из stdin.", Tier.COMPLEX),
    ("帮我用 TypeScript 写一个带重试的 fetch 封装函数", Tier.COMPLEX),
    ("gracias, eso es todo", Tier.SIMPLE),
    ("merci beaucoup !", Tier.SIMPLE),
    ("danke dir!", Tier.SIMPLE),
    ("obrigado!", Tier.SIMPLE),
    ("明天早上八点提醒我交房租", Tier.SIMPLE),
    ("明日の天気は？", Tier.SIMPLE),
    ("какая погода в Москве сейчас?", Tier.SIMPLE),
    # Everyday requests longer than the short-request limit, in more languages.
    ("¿Cómo se dice «gracias por su paciencia con este pedido» en inglés formal, para un correo a un cliente?", Tier.SIMPLE),
    ("Coloca estes países em ordem alfabética: Peru, Chile, Angola, Brasil, Canadá, México, Japão, Egito", Tier.SIMPLE),
    ("Bu e-postada yazım hatası var mı: 'Yarın ki toplantıya gelemiyecem, kusura bakmayın lütfen arkadaşlar.'", Tier.SIMPLE),
    ("Grazie mille. Puoi ricordarmi venerdì alle 18 di comprare il regalo per la festa di Luca domenica sera?", Tier.SIMPLE),
])
def test_multilingual(text: str, expected: Tier) -> None:
    """Reasoning, code and simple cues work in es/fr/de/pt/zh/ja/ru."""
    assert tier(envelope(text)) is expected


def test_image_parts_are_handled() -> None:
    """Text parts of a multi-part turn are classified; an image alone is MEDIUM."""
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    d = classify(agent({"role": "user", "content": [{"type": "text", "text": "what plant is this?"}, image]}))
    assert d.tier is Tier.SIMPLE
    assert any("image" in r for r in d.reasons)
    d = classify(agent({"role": "user", "content": [image]}))
    assert d.tier is Tier.MEDIUM
    assert any("image without text" in r for r in d.reasons)


def test_continuations_read_the_earlier_turn() -> None:
    """A framework completion event or a bare go-ahead is classified by the turn it continues."""
    ask = envelope("migrate the users table to add a last_login column and write the alembic migration")
    done = "An async command you ran earlier has completed. The result is shown in the system messages above."
    assert tier(ask, call(5), result(5, "started"), {"role": "assistant", "content": "Running."}, done) is Tier.COMPLEX
    proposal = {"role": "assistant", "content": "I propose rewriting OrderRepo.list as one JOIN. Shall I?"}
    assert tier(ask, proposal, envelope("yes, go ahead")) is Tier.COMPLEX
    assert tier(ask, proposal, envelope("thanks, not now")) is Tier.SIMPLE


@pytest.mark.parametrize("body", [
    {}, {"messages": []}, {"messages": "hi"}, {"messages": [None, 3, {"role": "system", "content": "x"}]},
    {"messages": [{"role": "user", "content": None}]}, {"messages": [{"role": "user", "content": [{"type": "text"}]}]},
])
def test_malformed_bodies_get_medium(body: dict[str, Any]) -> None:
    """Odd request shapes never raise; they get MEDIUM with a reason."""
    d = classify(body)
    assert d.tier is Tier.MEDIUM
    assert d.reasons


def test_reasons_are_non_empty_and_one_line() -> None:
    """Every decision explains itself, each reason on one line with nothing in it that breaks or disguises it."""
    bodies = [agent(t) for t in ("thanks", HB_PROMPT, "证明 n^2 ≥ 0", "écris une fonction", "hmm")]
    for d in map(classify, bodies):
        assert isinstance(d, Decision) and d.reasons and all(r and not UNSAFE_RE.search(r) for r in d.reasons)
        assert 0.0 <= d.confidence <= 1.0


def test_deterministic_and_pure() -> None:
    """The same request always gets the same decision and is never modified."""
    body = agent(envelope("Prove that the sum of two odd numbers is even."))
    before = copy.deepcopy(body)
    first = classify(body)
    assert all(classify(body) == first for _ in range(3))
    assert classify(copy.deepcopy(body), ClassifierConfig()) == first
    assert body == before


def test_config_from_plain_dict() -> None:
    """A ClassifierConfig structures from a dict with a strict cattrs converter, and its knobs act."""
    conv = cattrs.Converter(forbid_extra_keys=True)
    assert conv.structure({}, ClassifierConfig) == DEFAULT
    cfg = conv.structure({"tuning": {"simple_max_words": 0}, "lexicons": {"simple": {"words": []}}}, ClassifierConfig)
    assert classify({"messages": [{"role": "user", "content": "ok"}]}).tier is Tier.SIMPLE
    assert classify({"messages": [{"role": "user", "content": "ok"}]}, cfg).tier is Tier.MEDIUM
    with pytest.raises(cattrs.errors.ClassValidationError):
        conv.structure({"tuning": {"no_such_knob": 1}}, ClassifierConfig)


def test_invalid_pattern_is_named() -> None:
    """A broken regex in the config fails with the pattern in the message."""
    conv = cattrs.Converter(forbid_extra_keys=True)
    cfg = conv.structure({"patterns": {"code_block": {"pattern": "([", "gate": []}}}, ClassifierConfig)
    with pytest.raises(ValueError, match=r"\(\["):
        classify({"messages": [{"role": "user", "content": "hi"}]}, cfg)


def test_tiers_are_ranked_cheapest_first() -> None:
    """Tier.rank orders HEARTBEAT < SIMPLE < MEDIUM < COMPLEX < REASONING."""
    assert [t.rank for t in Tier] == [0, 1, 2, 3, 4]
    assert Tier("MEDIUM") is Tier.MEDIUM and Tier.MEDIUM == "MEDIUM"


def test_reasons_keep_their_words_and_the_header_form_is_readable_ascii() -> None:
    """Reasons keep the words as written ("wie spät", "证明"); the form `x-larouter-reason` carries is ASCII, with
    "wie spät" reading "wie spat", not "wie sp\\xe4t", and scripts without a plain base escaped."""
    reasons = " ".join(classify({"messages": [{"role": "user", "content": "Wie spät ist es in Tokio?"}]}).reasons)
    assert "wie spät" in reasons and "\\x" not in reasons
    assert header_safe(reasons).isascii() and "wie spat" in header_safe(reasons)
    proof = " ".join(classify({"messages": [{"role": "user", "content": "请证明根号2是无理数"}]}).reasons)
    assert "证明" in proof and "\\u" not in proof
    assert header_safe(proof).isascii() and "\\u8bc1\\u660e" in header_safe(proof)


@pytest.mark.parametrize("text", ["用Python写一个快速排序函数", "Pythonでクイックソート関数を書いて",
                                  "Write a quicksort function in Python"])
def test_a_latin_word_inside_a_text_written_without_spaces_is_a_word(text: str) -> None:
    """"用Python写…" holds the word "python": the same request in Chinese, Japanese and English gets one tier (the
    ninth review found the Chinese one MEDIUM, the others COMPLEX)."""
    decision = classify({"messages": [{"role": "user", "content": text}]})
    assert decision.tier is Tier.COMPLEX
    assert "python" in " ".join(decision.reasons)

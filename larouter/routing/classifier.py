"""The tier classifier: a pure, deterministic function from a chat request to a `Decision`.

Order of work, each step named in the decision's reasons:

1. Pick the turn: the last user message, stepping back over trailing tool results and
   assistant tool calls (a tool-result turn is classified by the user turn that started it).
   The system prompt, tools, message count and context length are never read as signals (the parts of the system
   prompt read are the HEARTBEAT.md a framework inlines there, as a check-in's checklist, and its clock line, to date
   that checklist when the poll names no time: `workspace.py`).
2. Strip the agent's metadata envelope from that turn's text (capped to its first and last
   few KB).
3. Framework continuations ("async command has completed", Letta's `request_heartbeat`) and
   a bare "yes, go ahead" after an assistant proposal are classified by the previous user turn.
4. Heartbeats first: a check-in with nothing else in it is HEARTBEAT; one whose inlined
   checklist has items due is classified on those items; a reminder relay is SIMPLE. A turn the
   rules do not know that recurs in its own conversation, each time answered with the same short
   ack, is HEARTBEAT too (`recurrence.py`).
5. Otherwise score the text (see `signals.py`); with no cue at all the answer is MEDIUM.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from larouter.routing import heartbeat, triggers
from larouter.routing.asking import long_question
from larouter.routing.compiled import Compiled, compile_rules
from larouter.routing.due import Checkin, checkin
from larouter.routing.envelope import strip_envelope
from larouter.routing.lookup_news import lookup_news
from larouter.routing.recurrence import count_rose, recurring_ack
from larouter.routing.rules import DEFAULT, ClassifierConfig
from larouter.routing.shown import ACK_SHOWN, quoted
from larouter.textsafe import escaped
from larouter.routing.signals import assess
from larouter.routing.tiers import Decision, Tier
from larouter.routing.turns import Turn, find_user_turn, previous_is_assistant_text, read_content
from larouter.routing.workspace import inlined_checklist, system_checklist, system_clock

__all__ = ["DEFAULT", "ClassifierConfig", "Decision", "Tier", "classify"]

_MAX_HOPS = 4
_SHORT = 2000  # continuation events and go-aheads are short messages; longer turns are requests


def classify(body: Mapping[str, Any], config: ClassifierConfig = DEFAULT) -> Decision:
    """Classify an OpenAI chat-completions request body into a tier, with reasons."""
    rules = compile_rules(config)
    messages = body.get("messages") if isinstance(body, Mapping) else None
    if not isinstance(messages, Sequence) or isinstance(messages, str) or not messages:
        return Decision(Tier.MEDIUM, 0.3, ("no messages -> MEDIUM",))
    t = rules.tuning
    turn = find_user_turn(messages, len(messages) - 1, t.max_walk, t.head_chars, t.tail_chars)
    if turn is None:
        return Decision(Tier.MEDIUM, 0.3, ("no user turn -> MEDIUM",))
    reasons: list[str] = []
    if turn.after_tools:
        reasons.append("tool-result turn: classified by the user turn that started it")
    text = _clean(turn, reasons, rules)
    latest = turn
    for _ in range(_MAX_HOPS):
        why = _continuation(text, turn, messages, rules)
        if not why:
            break
        earlier = find_user_turn(messages, turn.index - 1, rules.cont.lookback, t.head_chars, t.tail_chars)
        if earlier is None:
            reasons.append(f"{why}; no earlier user turn")
            break
        reasons.append(f"{why}: classified by the earlier user turn")
        turn = earlier
        text = _clean(turn, reasons, rules)
    if turn is latest:
        return _decide(text, turn, reasons, rules, messages)
    return attrs.evolve(_decide(text, turn, reasons, rules, None), continued=True)


def _tasks_read(messages: Sequence[Any], turn: Turn, rules: Compiled) -> str:
    """The due tasks of the tool results that followed the user turn (a heartbeat reading its HEARTBEAT.md), if any:
    a checklist read by a tool counts like one inlined in the prompt."""
    found: list[str] = []
    read = 0
    when = None  # the check-in's date and time, from the turn (read once, only if a tool result is there)
    for msg in messages[turn.index + 1 :]:
        if isinstance(msg, Mapping) and msg.get("role") == "tool":
            content = read_content(msg.get("content"), rules.tuning.head_chars, 0)[0]
            when = when or _checkin(messages, turn)
            found += heartbeat.due_tasks(content, rules, when)
            read += 1
            if read >= triggers.MAX_RESULTS:  # a long tool loop is work anyway; its cost must not grow with it
                break
    return "\n".join(found)


def _inlined_tasks(messages: Sequence[Any], turn: Turn, rules: Compiled) -> str:
    """The due tasks of the HEARTBEAT.md inlined into the system prompt, if any (see `workspace.py`): read only for
    a check-in that names the file ("Read HEARTBEAT.md if it exists …") and that no tool result follows (a checklist
    the agent read by a tool is the fresher copy)."""
    if "HEARTBEAT.md" not in turn.text and "heartbeat.md" not in turn.text.lower():
        return ""
    checklist = inlined_checklist(messages)
    if not checklist or not rules.hb_task_item.search(checklist):  # (no items: no check-in time to read)
        return ""
    return "\n".join(heartbeat.due_tasks(checklist, rules, _checkin(messages, turn)))


def _day(messages: Sequence[Any] | None, turn: Turn) -> str:
    """The check-in's date (ISO), or "" when it names none."""
    day = _checkin(messages, turn)[0] if messages is not None else checkin(turn.text)[0]
    return day.isoformat() if day is not None else ""


def _checkin(messages: Sequence[Any], turn: Turn) -> Checkin:
    """The check-in's date and time: from its turn, else from the clock its system prompt gives (nanobot's)."""
    when = checkin(turn.text)
    return when if when[0] is not None else system_clock(messages)


def _lookup_work(messages: Sequence[Any], turn: Turn, looked: Sequence[triggers.Lookup], rules: Compiled,
                 text: str, seen: dict[str, str]) -> str:
    """What the lookups after the turn report, a checklist's items due included (for a path that answers the idle
    reply itself: a recurring turn, an idle-token trigger; the heartbeat branch reads the items on its own)."""
    if not looked:
        return ""
    return _news(looked, rules, text, messages, turn, seen) or _tasks_read(messages, turn, rules)


def _news(looked: Sequence[triggers.Lookup], rules: Compiled, text: str, messages: Sequence[Any], turn: Turn,
          seen: dict[str, str]) -> str:
    """What the lookups report (`lookup_news`), read against the limits the check-in states: in its turn, a checklist
    its tool read, the HEARTBEAT.md its system prompt inlines when the turn names the file, else the periodic
    checklist its system prompt holds (a scheduler-woken agent's, `workspace.system_checklist`). Read once per text in
    one classification (`seen`: the recurrence, learned and heartbeat paths may each ask), the system prompt's
    checklist once whatever the text (under `_CHECKLIST`: it reads the whole system prompt)."""
    if text not in seen:
        try:
            if _CHECKLIST not in seen:
                named = "HEARTBEAT.md" in turn.text or "heartbeat.md" in turn.text.lower()
                seen[_CHECKLIST] = inlined_checklist(messages) if named else system_checklist(messages)
            seen[text] = lookup_news(looked, rules, text, turn.text, seen[_CHECKLIST])
        except Exception:  # a reader's bug must not fail the request: the lookups go to the model that does the work
            _log.exception("the lookup reader failed on a check-in's tool results; routed as work")
            seen[text] = _UNREAD
    return seen[text]


_UNREAD = "(tool results the lookup reader could not read)"
_CHECKLIST = "\0checklist"  # (`seen`'s key for the system prompt's checklist: no turn's text)
_log = logging.getLogger(__name__)


def _no_lookups() -> Sequence[triggers.Lookup]:
    return ()


def _lookups_once(messages: Sequence[Any], turn: Turn) -> Callable[[], Sequence[triggers.Lookup]]:
    """The tool results after the turn, read and parsed on the first call only."""
    read: list[Sequence[triggers.Lookup]] = []

    def looked() -> Sequence[triggers.Lookup]:
        if not read:
            read.append(triggers.lookups(messages, turn))
        return read[0]

    return looked


def _has_maths(text: str, rules: Compiled) -> bool:
    """Whether the turn writes maths (notation or symbols): only then is a check-in asked whether it wants reasoning
    (the full scorer costs ~25 us, the check-in rules alone ~10)."""
    lower = text.lower()
    if rules.math_notation.search(text, lower) is not None:
        return True
    return not text.isascii() and rules.math_symbols.search(text, lower) is not None  # its symbols are not ASCII


def _clean(turn: Turn, reasons: list[str], rules: Compiled) -> str:
    """The turn's text without its envelope; notes what was removed."""
    text, removed = strip_envelope(turn.text, rules)
    if removed:
        reasons.append("envelope stripped: " + ", ".join(removed))
    if turn.truncated:
        reasons.append("long turn: read its first and last part only")
    return text


def _continuation(text: str, turn: Turn, messages: Sequence[Any], rules: Compiled) -> str:
    """Why this turn continues earlier work ("" when it does not)."""
    if len(text) > _SHORT:
        return ""
    lower = text.lower()
    if (rules.cont_events.search(text, lower) and not rules.hb_idle.search(text, lower)
            and not long_question(text)):  # "what does request_heartbeat=true do, and why …?" asks
        return "continuation event"
    if len(text) <= rules.cont.go_ahead_max_chars and rules.cont_go_ahead.match(text.strip()):
        if previous_is_assistant_text(messages, turn.index) and not _idle_ack(messages[turn.index - 1], rules):
            return "go-ahead after an assistant proposal"
    return ""


def _idle_ack(message: Any, rules: Compiled) -> bool:
    """Whether an assistant message is only an idle token ("HEARTBEAT_OK", "**NO_REPLY**"): it proposed nothing,
    so "ok thanks!" after it is a turn of its own, not a go-ahead for the check-in before it."""
    content = message.get("content")
    if not isinstance(content, str) or len(content) > 40:
        return False
    token = content.strip().strip("*_`'\"[]().!").strip()
    return token.lower() in rules.hb_ack_tokens or rules.hb_ack_token_rx.fullmatch(token) is not None


def _decide(text: str, turn: Turn, reasons: list[str], rules: Compiled, messages: Sequence[Any] | None) -> Decision:
    """Heartbeat rules, then the turn's recurrence in its conversation (`messages`, None after a continuation),
    then the scorer. Recurrence also overrules work the rules read from a statement ("no new messages" read as
    new messages) when the very same statement was answered with the idle ack before; never listed tasks, which
    fall due as the clock moves while the text stays the same."""
    verdict = heartbeat.detect(text, rules, turn.text)
    after = messages if messages is not None and turn.after_tools else None
    looked = _no_lookups if after is None else _lookups_once(after, turn)  # read and parsed once, only if asked
    floor = Tier.HEARTBEAT  # the least tier the work found calls for (a lookup's news: a model must read it)
    work = ""  # the work the rules found in a check-in: its tasks due, a lookup's items, a count that rose (`Decision.work`)
    due_day = ""  # the check-in's date when its work is tasks due (`Decision.due_day`)
    seen: dict[str, str] = {}  # what the lookups report, by the text they are read for (`_news`)

    if (verdict is None or verdict.reported) and messages is not None and turn.index >= 2:
        again = recurring_ack(messages, turn, text, rules)
        if again is not None and not _lookup_work(messages, turn, looked(), rules, text, seen) and not (  # a lookup's
                again.worked and assess(text, rules)[0].rank >= Tier.COMPLEX.rank):  # news wins; so does work done
            # with tools at every sighting of a turn that asks for it ("Step 4: port mod_4.py, make its tests pass")
            why = f"heartbeat: the turn recurs in this conversation, answered {quoted(again.ack, ACK_SHOWN)} each time"
            return Decision(Tier.HEARTBEAT, 0.9, (*reasons, why))
    if verdict is not None and verdict.learned and after is not None and _news(looked(), rules, text, after, turn, seen):
        verdict = None  # the model read the trigger, never the lookup's answer ({"nuove": [...]}): only a quiet one
        # confirms (a checklist read is quiet here: the heartbeat branch reads its items next)
    if verdict is not None and verdict.kind == heartbeat.HEARTBEAT:
        tasks = _tasks_read(messages, turn, rules) if after is not None else ""
        inlined = "" if tasks or after is not None or messages is None else _inlined_tasks(messages, turn, rules)
        if tasks:  # the heartbeat's tool read its checklist ("# HEARTBEAT.md - TODAY after 17:00: remind Jonas")
            reasons.append("heartbeat whose tool result lists a task due -> classified on the tasks")
            found = _news(looked(), rules, text, after, turn, seen)  # (what the lookups report besides, in the work
            # found: a stale backup beside an item due all day is not the beat learned while it was fresh, review 24)
            text, verdict, work, due_day = tasks, None, f"{tasks}\n{found}".rstrip(), _day(messages, turn)
            floor = Tier.MEDIUM if found else floor
        elif inlined:  # OpenClaw's poll; the file it names is in the system prompt's "Project Context"
            reasons.append("heartbeat whose HEARTBEAT.md in the system prompt lists a task due -> classified on the tasks")
            text, verdict, work, due_day = inlined, None, inlined, _day(messages, turn)
        elif after is not None and (found := _news(looked(), rules, text, after, turn, seen)):
            # new mail, orders, an incident; a pod in CrashLoopBackOff; a disk at 93% where the checklist warns at 85%
            reasons.append("heartbeat whose tool lookup reports something -> classified on it, at least MEDIUM")
            text, verdict, work, floor = found, None, found, Tier.MEDIUM
        else:
            rose = count_rose(messages, turn, text, rules) if messages is not None and turn.index >= 2 else None
            if rose is None:
                if _has_maths(text, rules):  # "Each heartbeat is lost with probability p. Show that ..." asks for a proof
                    tier, confidence, why = assess(text, rules)
                    if tier is Tier.REASONING:
                        return Decision(tier, confidence, (*reasons, "a check-in's words, but it asks for reasoning", *why))
                return Decision(Tier.HEARTBEAT, verdict.confidence, (*reasons, verdict.reason))
            reasons.append(f"heartbeat whose count rose since an earlier beat ({escaped(rose[:40])}) -> classified")
            verdict, work = None, rose
    if verdict is None and after is not None and not work:  # an agent polling through its tools: what did the
        # lookups find? (not once the heartbeat branch found work: its news is no turn to read as a trigger)
        stamped = triggers.stamped_trigger(text, rules)
        if ((stamped and triggers.found_nothing(looked(), rules) or triggers.ack_trigger(text, rules))
                and looked() and not _lookup_work(after, turn, looked(), rules, text, seen)):
            why = "heartbeat: a check-in trigger whose tool lookups found nothing"
            return Decision(Tier.HEARTBEAT, 0.85, (*reasons, why))
        found = triggers.found_items(looked())
        if stamped and found:  # "monitor sweep #9103" found alerts
            tier, confidence, why = assess(found, rules)
            tier = tier if tier.rank >= Tier.MEDIUM.rank else Tier.MEDIUM  # items to handle: work
            return Decision(tier, confidence,
                            (*reasons, "a bare trigger whose tool lookup found items -> at least MEDIUM", *why), found)
        work = work or found  # (whatever the turn: a learned check-in's lookup with new mail is work)
    if verdict is not None:
        if verdict.kind == heartbeat.RELAY:
            return Decision(Tier.SIMPLE, verdict.confidence, (*reasons, verdict.reason))
        reasons.append(verdict.reason)
        text = verdict.tasks
        work = verdict.tasks if verdict.kind == heartbeat.WORK_DUE and not verdict.reported else ""  # (tasks due by
        # the clock; reported work, "3 new emails", is in the text, whose signature it changes)
        due_day = _day(messages, turn) if work else ""
    if not text.strip():
        what = "image without text" if turn.images else "empty user turn"
        return Decision(Tier.MEDIUM, 0.3, (*reasons, f"{what} -> MEDIUM"))
    tier, confidence, why = assess(text, rules)
    tier = tier if tier.rank >= floor.rank else floor
    if turn.images:
        why.append(f"{turn.images} image part{'s' if turn.images > 1 else ''} (text classified)")
    return Decision(tier, confidence, (*reasons, *why), work, due_day)

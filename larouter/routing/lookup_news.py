"""Whether a heartbeat's tool lookups report anything: the quiet reader of what a check-in's tools answered.

An agent's check-in often calls tools before it answers (OpenClaw's heartbeat runs `gh pr list`, reads mail, asks
Home Assistant), so the request to route ends in their results. Review 15 found the classifier asked those results
for positive evidence of work (lists of known item keys, three text shapes): a `gh pr list` table, a himalaya
envelope list, a pod in Pending, `{"status": "offline"}` or `{"unresolved": 4}` came back a heartbeat, and the
local model answered HEARTBEAT_OK. So the question is turned round: a lookup is quiet only when it reads as nothing
to handle, and anything else is news for the model that does the work. Quiet is:

- an empty answer (`triggers.found_nothing`: `[]`, "no results", zeros all the way down);
- a checklist read (checkbox items, or a heading that names a checklist): its due items and trouble lines are read
  by the heartbeat's task reader and `triggers.troubled_text`, not here;
- a JSON record whose answer is none (an empty list or a zero under the key of what it looks for) and whose other
  fields only describe the lookup: names, ids, stamps, tallies of what was scanned, states that say all is well,
  records that each report themselves fine; never a positive count of things that need attention, a flag set,
  a state in trouble ("open", "offline", "paper_jam") or free text that does not say none;
- a command's output read by `lookup_text.py`: a table whose every row and counter column is fine, state lines that
  each say all is well, a one-line verdict, or a quiet status report (`quiet.quiet_report`).

Readings with no limit stated beside them (a fare, an exchange rate, a temperature) are not quiet: whether they
cross the user's bound is for the model to judge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

from larouter.routing.compiled import Compiled
from larouter.routing.exemptions import exempted, without_exempted
from larouter.routing.command_output import filters_trouble, header_only
from larouter.routing.disk_health import disks_answer
from larouter.routing.expected_counts import expected_counts, short_count
from larouter.routing.listed_names import (absence_asked, absent_things, expected_states, listed_names, missing_name,
                                           unexpected_state, unmounted)
from larouter.routing.lookup_dump import fine_dump, fine_listing, fine_table, past_in_dump, past_in_table
from larouter.routing.lookup_json import quiet_json
from larouter.routing.lookup_judged import answered
from larouter.routing.lookup_units import fine_units
from larouter.routing.lookup_text import (INSTRUCTION_RE, checklist, fine_columns, fine_rows, fine_states, is_table,
                                          says_well, table_clear)
from larouter.routing.quiet import quiet_report
from larouter.routing.limit_match import label_words, related_word, shown_word
from larouter.routing.lookup_forms import as_pairs
from larouter.routing.limit_vocab import EXPIRY_RE, FREE, GENERIC_DATED, TAKEN
from larouter.routing.stated_limits import Stated
from larouter.routing.triggers import (MAX_RESULT_CHARS, MAX_RESULTS, Lookup, denies_needed, found_items, found_nothing,
                                      past_stated_share, stated_share, troubled_text)


def lookup_news(results: Sequence[Lookup], rules: Compiled, text: str = "", raw_turn: str = "", inlined: str = "") -> str:
    """What the lookups report that needs handling, or "" when every one reads as quiet: one reading for every path
    of the classifier (a heartbeat, a learned check-in, an idle-token trigger, a recurring turn). Items to handle
    (`triggers.found_items`), a line in trouble (`triggers.troubled_text`), a share past the one the check-in `text`
    says to warn at, a reading past a limit the check-in states (`stated_limits.py`: in the turn, a checklist read or
    the one its system prompt inlines, `inlined`; dates against the clock of its `raw_turn`), then any lookup that is
    not quiet; more lookups than are read is a tool loop, never quiet. A lookup the stated limits answer (each of its
    readings they name within them, nothing else in it wrong) is quiet. A checklist read's items are not judged here:
    its callers read them with `heartbeat.due_tasks`."""
    if not results:
        return ""
    if len(results) > MAX_RESULTS:
        return _LOOP
    lists = [not r.is_json and (r.reads_checklist or checklist(r.text)) for r in results]  # (read once: each reader
    instructions = "\n".join((text, inlined, *(r.text for r, listed in zip(results, lists) if listed)))  # asks which
    if exempt := exempted(instructions):  # lookups are the checklist); what it says to ignore, taken out
        results = [r if listed else without_exempted((r,), exempt)[0] for r, listed in zip(results, lists)]
    others = [r for r, listed in zip(results, lists) if not listed]
    read = notes(results, rules, lists)
    stated = Stated.of(instructions, raw_turn or text)
    limit = stated_share(results, text) or stated.disk_share()
    if gone := _absent(others, instructions, rules):
        return gone
    stated = attrs.evolve(stated, covered=not stated.unread and (not stated.limits and not stated.sideless
                                                                 or _covered(stated, others)))
    if stated.limits:  # (a lookup the stated limits answer holds no items, and its lines are read by them)
        answers = [stated.covered and (answered(r.data, stated.limits, stated.now, r.call) if r.is_json else
                                       fine_dump(r.text, stated) or fine_table(r.text, stated) or fine_listing(r, stated))
                   for r in read]
        if (past := next((r.text for r, listed in zip(read, lists) if not r.is_json and (
                past_in_dump(r.text, stated, listed) or past_in_table(r.text, stated))), "")):
            return past
        results = [r for r, a in zip(results, answers) if not a]
        read = [r for r, a in zip(read, answers) if not a or r.is_json]  # (JSON records: the rest is read below)
    found = found_items(results) or troubled_text(read, rules) or past_stated_share(results, limit)
    if found:
        return found
    return next((r.text or _EMPTY for r in read if not quiet_lookup(r, rules, limit, stated) and not (
        stated.covered and not r.is_json and disks_answer(instructions, r.call, r.text))), "")  # (smartctl -H and mdstat:
    # read against the checklist, which quiet_lookup does not see, review 32)


def _covered(stated: Stated, lookups: Sequence[Lookup]) -> bool:
    """Whether every limit the check-in states names something its lookups (not its checklist) show: a check-in whose
    checklist asks for the UPS's runtime ("Restlaufzeit unter 15 Minuten") is not answered by the charge its lookup
    shows beside `battery.runtime`, whatever the charge reads (blind v43)."""
    shown = [label_words(f"{r.call} {as_pairs(r.text[:_SHOWN_CHARS])}") for r in lookups]  # (as its readers read it:
    # "0.52 0.58 0.61 1/234 5678" shows a load average)
    if stated.sideless and any(shown_word(w, label_words(as_pairs(r.text[:_SHOWN_CHARS]))) for w in stated.sideless
                               for r in lookups):  # (in what they show, not in the call that filtered them)
        return False  # a bound whose bad side is unsaid on a reading they show ("tank fragmentation under 50%" beside
        # `zpool list`'s FRAG; "mains voltage above 220 V" beside input.voltage, review 25): the model judges it
    for limit in stated.limits:
        head = next((w for w in limit.words if w not in GENERIC_DATED and w not in FREE and w not in TAKEN), "")
        if limit.dimension == "left" and any(w in _LAPSE_WORDS or EXPIRY_RE.match(w) for words in shown for w in words):
            continue  # a date something lapses on ("notAfter=…", "Expiry Date: …")
        named = limit.words if limit.dimension == "age" else (head,)  # (an age by any of its words: "backup of the nas")
        if head and not any(related_word(w, words) for w in named for words in shown):
            return False
    return True


_SHOWN_CHARS = 4000
_LAPSE_WORDS = frozenset({"after", "until", "end", "expiry", "expires", "expiration", "notafter", "valid"})


def _absent(lookups: Sequence[Lookup], instructions: str, rules: Compiled) -> str:
    """A lookup (not the checklist) that leaves out what the instructions say it must show, whatever the stated limits
    make of what it does show: a container, a host, a member they list (`listed_names`), a mount point its `df` call
    names, a word a key must read, as many members as they expect (`expected_counts`), anything at all where it found
    nothing of what they alert on missing; "" when none does."""
    listed, states, counts = listed_names(instructions), expected_states(instructions), expected_counts(instructions)
    absent = absent_things(instructions)
    for r in lookups:
        asked = absence_asked(absent, listed, r.call)
        nothing = (asked or counts) and (  # (a record whose answer is none is no listing that found none:
            not r.data if r.is_json else found_nothing((r,), rules) or header_only(r.text))  # {"status": "green",
        # "unassigned_shards": 0})
        if (listed and missing_name(listed, r.text) or nothing and asked
                or not r.is_json and unmounted(r.call, r.text)
                or states and unexpected_state(states, r.text) or counts and short_count(counts, r.call, r.text, nothing)):
            return r.text or _EMPTY
    return ""


_EMPTY = "(an empty tool result)"
_LOOP = "(more tool results than a check-in's lookups: a tool loop)"


def notes(results: Sequence[Lookup], rules: Compiled, lists: Sequence[bool]) -> list[Lookup]:
    """The lookups with a checklist read (a HEARTBEAT.md; `lists` says which) cut to its lines besides its items, which
    the heartbeat's task reader judges ("- Daily 08:00 — post the summary (last posted today 08:00)"); any other
    lookup whole (review 17: "- backup-nas: FAILED (exit 1)" is a line of a command's output, not a checklist item)."""
    return [Lookup("\n".join(line for line in r.text.splitlines()
                              if not rules.hb_task_item.match(line) and not INSTRUCTION_RE.search(line)), None, r.call)
            if listed else r for r, listed in zip(results, lists)]


def quiet_lookup(result: Lookup, rules: Compiled, limit: float | None = None, stated: Stated = Stated()) -> bool:
    """Whether one lookup reads as nothing to handle (see the module's docstring)."""
    if len(result.text) > MAX_RESULT_CHARS:
        return False
    if result.is_json:  # (read whole: `triggers.found_nothing` passes a record whose status is fine, review 17)
        return stated.covered and quiet_json(result.data, rules, stated.limits, stated.now, result.call)  # (a limit
        # unanswered: the model judges them)
    if found_nothing((result,), rules):
        return True
    text = result.text
    if header_only(text):  # a listing of nothing: quiet only where it lists trouble
        return filters_trouble(result.call)
    if (m := _HTTP_OK_RE.match(text)) is not None:  # `curl -i`: a 2xx status, then the body judged as the answer
        body = text[m.end():].partition("\n\n")[2].strip()
        return not body or quiet_lookup(Lookup.of(body), rules, limit, stated)
    if result.reads_checklist or checklist(text):
        return True
    if not stated.covered:
        return False  # a limit the lookups cannot be read against (one in a form not read, or on something they do
        # not show by its name): whatever else they say, the model judges them (review 22: "took longer than 2 h"
        # beside "status: success" and an "elapsed_s" no limit names)
    if says_well(text, rules.quiet):
        return True
    if is_table(text):  # a table is read row by row and column by column (the report reader costs ~1 ms on one)
        return fine_rows(text, limit) or fine_columns(text, limit) or fine_states(text)
    return (fine_states(text) or fine_rows(text, limit) or fine_units(text, result.call) or _quiet_report(text, rules, limit)
            or (stated.covered and fine_dump(text, stated)))


def _quiet_report(text: str, rules: Compiled, limit: float | None) -> bool:
    """A lookup that reads as a quiet status report (`quiet.quiet_report`, the reader of check-ins' own reports),
    held to what a command's output must also be: a table clear of trouble, nothing a service needs at none."""
    if not quiet_report(text, True, rules.quiet) or denies_needed(text, rules):
        return False
    head, _, rest = text.partition("\n")
    return table_clear(head if rest else "", rest.splitlines() if rest else [head], limit)


_HTTP_OK_RE = re.compile(r"HTTP/[\d.]+ 2\d\d\b")

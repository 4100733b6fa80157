"""Learned heartbeats: a prompt that comes back at regular intervals and is answered with a short ack.

The classifier reads one request and knows only the conventions it was written for. The router sees
more: a heartbeat is the same short user turn (give or take its timestamps and counters) from the same project,
arriving every few minutes, answered each time with a few tokens ("HEARTBEAT_OK", "[SILENT]", "✅").
After `MIN_SIGHTINGS` such answered sightings, spaced at least `routing.heartbeat_min_interval` seconds
apart (60 by default), the next one is
routed as HEARTBEAT whatever its wording. A long answer (work was due) or a turn with different text
(a new item, a reminder) breaks the pattern, so work keeps its tier. The classifier stays a pure function;
this is evidence the router adds on top, and it only ever makes a request cheaper when it has been a
heartbeat before.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import time
from collections import OrderedDict
from typing import Any, Callable

import attrs

from larouter.routing.sameness import normalise, words_pattern
from larouter.routing.statustime import STAMP_RE
from larouter.routing.tiers import Decision, Tier
from larouter.routing.triggers import MAX_RESULT_CHARS, MAX_RESULTS
from larouter.routing.turns import read_content

MIN_SIGHTINGS = 2  # answered sightings before the pattern counts
MAX_ACK_TOKENS = 16  # an answer this short is an acknowledgement
MAX_ENTRIES = 10_000
MAX_CHARS = 1024  # longer turns are requests, not check-ins: no signature, no cost (held-out heartbeats: <= 420)
MAX_WORK_CHARS = 4096  # more work found than this in a check-in: no signature


def signature(body: dict[str, Any], project: str, work: str = "", exact: bool = False, day: str = "") -> str | None:
    """Name of the request's last user turn with its numbers (times, dates, counters) and its timestamps' calendar
    words (weekday and month names) blanked; None without one or when it is longer than MAX_CHARS. `work`, the work
    the rules found in the check-in (`Decision.work`), is part of the name with its own numbers (ids, amounts, exit
    codes) and only its dates and times blanked, and tasks due with their `day` (an item due once a day falls due
    again tomorrow in the same words, review 24): the same turn whose item fell due, whose inlined checklist gained a
    task or whose lookup found a new order is not the quiet beat learned before, nor the work learned before; a
    check-in the rules misread as work every time, the same work each time, still learns its own pattern. The
    lookups after the turn (at most MAX_RESULTS: a longer tool loop has no name) are part of it, read as the turn is;
    with their own numbers (`exact`) when the rules read the check-in as work: a beat the rules misread every time is
    learned only with the same readings, and its twin whose certificate expires sooner, whose meeting moved, whose
    snapshot is older is never that pattern (blind v39-v44's twins were served locally over a day)."""
    messages = body.get("messages") or ()
    for at in range(len(messages) - 1, -1, -1):
        msg = messages[at]
        if isinstance(msg, dict) and msg.get("role") == "user":
            text, _, _, too_long = read_content(msg.get("content"), MAX_CHARS, 0)  # the classifier's reading of parts
            if too_long or not text.strip():
                return None
            digest = hashlib.sha256(project.encode("utf-8", "surrogatepass") + b"\0" + normalise(text)
                                    + (b"\3" if exact else b""))  # (read as work: never the name of a beat read as
            # quiet, review 24: a reading in the turn past its limit, its numbers blanked, kept the quiet beats' name)
            if work:
                if len(work) > MAX_WORK_CHARS:
                    return None  # (so much work is no check-in to learn)
                digest.update(b"\1" + STAMP_RE.sub(_stamp, work).encode("utf-8", "surrogatepass") + b"\4" + day.encode())
            # The lookups the turn started, as the classifier reads them (MAX_RESULT_CHARS of each): a lookup whose
            # words changed ("failed" for "success") is not the learned beat. A check-in makes a few; a longer tool
            # loop is work, never learned (reading every result of a 60-step loop cost ~16 ms a request).
            lookups = (m for m in messages[at + 1:] if isinstance(m, dict) and m.get("role") == "tool")
            read = list(itertools.islice(lookups, MAX_RESULTS + 1))
            if len(read) > MAX_RESULTS:
                return None
            for later in read:
                content = read_content(later.get("content"), MAX_RESULT_CHARS, 0)[0]
                digest.update(b"\2" + (_CLOCKS_RE.sub(b"#", content.encode("utf-8", "surrogatepass")) if exact
                                        else normalise(content)))
            return digest.hexdigest()[:32]
    return None


def pattern_key(body: dict[str, Any], project: str, decision: Decision) -> str | None:
    """The learned-heartbeat key of a classified request (`signature` with the work the rules found), or None when
    no pattern may take it: a request the rules send to REASONING (a proof or a puzzle asked again and answered
    briefly is a benchmark's loop or a retry, never a check-in), and a turn that continues an earlier one ("yes",
    "go ahead", a framework's continuation event: the same words in every conversation of a project, whatever they
    continue; two short-answered go-aheads sent every later one, for COMPLEX work too, to the local model, review T)."""
    return None if decision.tier is Tier.REASONING or decision.continued else signature(
        body, project, decision.work, exact=decision.tier is not Tier.HEARTBEAT, day=decision.due_day)


# What names a job rather than a beat: an amount of money and the id of a business record ("Refund order 1001 for
# customer 77: $12" is not order 1002's job, though the signature blanks their digits alike, review T). A scheduler's
# own counters ("sweep #9103", "run 412", "tick 7") are none of these, nor a count (a plural label, "orders: 14",
# "tickets: 0", or one digit, "ticket: 3": a check-in's counts move on while it stays the same check-in, review Z1).
# On the lower-cased turn; the words factored by prefix (`words_pattern`): ~5 us on a short turn, ~60 on 1,000
# characters of prose, so it is read only for a turn seen before (`RepeatTracker.known`).
_RECORDS = tuple("order invoice ticket customer client account user issue pr case refund payment transaction txn "
                 "booking reservation shipment parcel sku product lead contract claim patient employee student "
                 "member".split())
_SEP = r"(?:\s{1,3}(?:no\.?|number|nr\.?|id|#))?\s{0,3}[:#]?\s{0,3}"  # (bounded: "order" + a long blank run
# before a digit was quadratic, review Z3)
_AGE = r"(?!\s?(?:s|sec|secs|min|mins|minutes|h|hrs|hours|d|days|ago)\b)"  # "order 12 min ago": an age (review Z3)
_JOB_IDS_RE = re.compile(
    # "order 1001", "invoice INV-7"
    words_pattern(_RECORDS) + _SEP + r"(?:[a-z]{1,4}-?\d|\d\d)[\w-]*(?![\w-])" + _AGE
    # "orders 1007 and 2007" (not "orders: 14", a count)
    + "|" + words_pattern(tuple(w + "s" for w in _RECORDS)) + r"\s{1,3}(?:[a-z]{1,4}-?\d|\d{4})[\w-]*"
    # "$12", "Total:1007 USD" (not "13:15 Europe/…")
    r"|[$€£¥₹]\s?\d[\d,.]*"
    r"|(?<![\w.,])(?<!\d:)\d[\d,.]*\s?(?:(?:usd|eur|gbp|jpy|chf|cad|aud|inr)(?![a-z])|[$€£¥₹])")


def job_ids(body: dict[str, Any]) -> str:
    """The amounts and record ids in the request's last user turn ("order 1001|customer 77|$12"; "" for none)."""
    messages = body.get("messages") or ()
    for msg in reversed(messages):
        if isinstance(msg, dict) and msg.get("role") == "user":
            text = read_content(msg.get("content"), MAX_CHARS, 0)[0]
            return "|".join(_JOB_IDS_RE.findall(text.lower())) if any(c.isdigit() for c in text) else ""
    return ""


def _stamp(m: re.Match[str]) -> str:
    """A date or time in the work found, blanked; a reading that reads like one kept ("load average: 14.10, 13.22":
    a load past its limit is not the quiet beat's "13.84, 11.02" whose blanks it shared, blind v44)."""
    return m[0] if _DECIMAL_RE.fullmatch(m[0]) else "#"


_DECIMAL_RE = re.compile(r"\d{1,2}\.\d{1,2}")
# The times in a lookup read with its numbers (`signature`'s `exact`): ISO stamps and clock times, on bytes (the
# calendar-wide `STAMP_RE` cost ~1 ms on a 2,000-character result, on the request's path).
_CLOCKS_RE = re.compile(rb"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)?"
                        rb"|(?<![\d:])\d{1,2}:\d\d(?::\d\d(?:[.,]\d+)?)?(?![\d:])")


@attrs.define
class Sighting:
    """What the router saw of one signature."""

    last: float  # when it last arrived
    acks: int = 0  # answered sightings with a short answer, each at least the minimum interval after the last
    pending: bool = False  # arrived, answer not seen yet
    ids: str | None = None  # the amounts and record ids of its last sighting (`job_ids`); None: not read yet


@attrs.define
class RepeatTracker:
    """Signature -> Sighting, a bounded LRU (one per app)."""

    max_entries: int = MAX_ENTRIES
    clock: Callable[[], float] = time.monotonic
    learned: int = 0  # signatures that currently count as heartbeats (for /health)
    _entries: OrderedDict[str, Sighting] = attrs.Factory(OrderedDict)

    def known(self, key: str) -> bool:
        """Whether this signature was seen before (only then are its `job_ids` worth reading)."""
        return key in self._entries

    def is_heartbeat(self, key: str, ids: str | None = None) -> int:
        """How many short-answered periodic sightings this signature has (0: not a learned heartbeat yet, or a turn
        naming other amounts or records than the last sighting: another job in the same words)."""
        entry = self._entries.get(key)
        if entry is None or entry.acks < MIN_SIGHTINGS or (None not in (ids, entry.ids) and ids != entry.ids):
            return 0
        return entry.acks

    def arrived(self, key: str, min_gap: float, ids: str | None = None) -> None:
        """A request with this signature arrived; a repeat sooner than `min_gap` s is part of the same check-in. A
        sighting naming other amounts or records (`ids`) than the last one starts the count again."""
        now = self.clock()
        entry = self._entries.get(key)
        if entry is None:
            self._entries[key] = Sighting(now, pending=True, ids=ids)
            while len(self._entries) > self.max_entries:
                _, evicted = self._entries.popitem(last=False)
                self.learned -= evicted.acks >= MIN_SIGHTINGS
            return
        self._entries.move_to_end(key)
        if ids is not None:
            if entry.ids is not None and ids != entry.ids:  # another job: what was learned was not about it
                self.learned -= entry.acks >= MIN_SIGHTINGS
                entry.acks, entry.pending = 0, True
            entry.ids = ids
        # A sighting counts when it comes a period after the last one; a follow-up within the same check-in
        # (the tool-result turn after the heartbeat read HEARTBEAT.md) keeps waiting for the final answer.
        entry.pending = entry.pending or now - entry.last >= min_gap or entry.acks == 0
        entry.last = now

    def answered(self, key: str, output_tokens: int, ok: bool, tool_call: bool = False) -> None:
        """The answer to a sighting: a short one to a counted sighting builds the pattern; a long or failed one to
        any sighting resets it, however soon after the last it came (with many conversations in a project the same
        turn comes within the interval, and work answered at length there kept a learned pattern, review T); a tool
        call leaves it to the answer that follows the tool result."""
        entry = self._entries.get(key)
        if entry is None or (ok and tool_call):
            return
        short = ok and output_tokens <= MAX_ACK_TOKENS
        if short and not entry.pending:
            return  # a repeat within the interval, or within the same check-in: no sighting of its own
        entry.pending = False
        was = entry.acks >= MIN_SIGHTINGS
        entry.acks = entry.acks + 1 if short else 0
        self.learned += (entry.acks >= MIN_SIGHTINGS) - was

    def __len__(self) -> int:
        return len(self._entries)

"""An item in trouble in a status report, said in words ("elevators: one car stuck", "⚠️ smoke detector = ALARM",
"unit C not normal"): news, whatever the rest of the report says (split from `quiet.py`)."""

from __future__ import annotations

import re

from larouter.routing.compiled import QuietVocabulary
from larouter.routing.payload import payload_lines
from larouter.routing.quiet import CLAUSE_RE, LABEL_ENDS, WARNING_MARKS, says_none
from larouter.routing.quiet_rules import TROUBLE_STATES
from larouter.routing.tokens import word_parts
from larouter.routing.readings import keep_asides

_ITEM_SEPARATOR_RE = re.compile(r"[:：·|=,，、\n;•—–]")


def troubled_item(report: str, vocab: QuietVocabulary) -> bool:
    """Whether a report has an item in trouble, said in words: a clause (a label with its value) in a broken state
    ("elevators: one car stuck", "bank file rejected"), flagged with a warning mark ("⚠️ smoke detector = ALARM")
    or negating all-is-well ("unit C not normal"), that says no none or zero ("no failed payments", "failed units:
    0"), no all-is-well ("fire alarm normal") and no condition ("if a job failed, say so"). Payloads are read field
    by field ('"failed":0' is "failed: 0")."""
    if _ITEM_SEPARATOR_RE.search(report) is None:
        return False  # no list of items ("Read HEARTBEAT.md if it exists. Follow it strictly.")
    warned = not report.isascii() and any(map(report.__contains__, WARNING_MARKS))  # (the marks are not ASCII)
    if not warned and vocab.broken.isdisjoint(tokens := word_parts(report.lower())) and not _negated_well(
            tokens, vocab):
        return False  # most reports end here (~4 us; reading their clauses costs ~15)
    # an aside stays with its clause: "0 failing checks on open PRs (3 open, all green)"
    parts = CLAUSE_RE.split((payload_lines(report) or report) if report.lstrip()[:1] in "{<" else keep_asides(report))
    for i in range(0, len(parts), 2):
        clause = parts[i]
        if i + 2 < len(parts) and parts[i + 1].strip().startswith(LABEL_ENDS):
            clause += ": " + parts[i + 2]  # "failed units: 0", "Lift: stuck"
        tokens = word_parts(clause.lower())
        if warned and any(map(clause.__contains__, WARNING_MARKS)):
            if not says_none(clause, vocab):
                return True  # "⚠️ detector de humo COCINA = ALARMA desde 13:42"
            continue
        negated = _negated_well(tokens, vocab)
        if not negated and (vocab.broken.isdisjoint(tokens) or vocab.well.found(tokens, clause)):
            continue
        if not says_none(clause, vocab) and not vocab.condition.found(tokens, clause):
            return True
    return False


def _negated_well(tokens: list[str], vocab: QuietVocabulary) -> bool:
    """Whether a negation stands right before an all-is-well word ("not normal", "nicht ok")."""
    if vocab.negations.isdisjoint(tokens) or vocab.well.words.isdisjoint(tokens):
        return False
    return any(a in vocab.negations and b in vocab.well.words for a, b in zip(tokens, tokens[1:]))


# A label valued with a state in trouble, whatever the report's form: "Garage: open" (even right after the header),
# "garage_door=open", '"garage_door": "open"', a line "garage_door: open" (review 15, N7).
_LABELLED_STATE_RE = re.compile(
    r"(?:^|(?<=[·|;,{\n\s]))[\"']?([^\W\d_][\w .'-]{0,30}?)[\"']?[^\S\n]*[:=：][^\S\n]*[\"']?("
    + "|".join(sorted(map(re.escape, TROUBLE_STATES), key=len, reverse=True))
    + r")[\"']?(?=[^\S\n]*(?:$|[·|;,}\n]|\.(?:\s|$))|[^\S\n]+[\w.-]+=)", re.I | re.M)  # (or the next "key=")
_STATE_GATE = frozenset(TROUBLE_STATES)
_VALUE_WORD_RE = re.compile(r"[:=：][^\S\n]*[\"']?([^\W\d_]+)")
_CONDITION_WORDS = frozenset("if when whenever unless wenn si se als jeśli если".split())


def labelled_trouble(text: str) -> bool:
    """Whether a label of the report is valued with a state in trouble ("Garage: open", "pump=stopped") that no
    condition introduces ("if the garage is open: …")."""
    lower = text.lower()
    if _STATE_GATE.isdisjoint(_VALUE_WORD_RE.findall(lower)):  # (the first word after each ":" or "=": ~1 us)
        return False
    for m in _LABELLED_STATE_RE.finditer(text):
        label = m.group(1).lower()
        if not _CONDITION_WORDS.isdisjoint(label.split()):
            continue
        if m.group(2).lower() not in _OPEN_STATES or OPENABLE_RE.search(label):
            return True  # "open" is trouble for a door, a window, a valve; a market, a shop or a PR is open all day
    return False


_OPEN_STATES = frozenset("""
open opened offen geöffnet ouvert ouverte abierto abierta aberto aberta aperto aperta geopend открыт открыта открыто
открыты відчинено відчинена відчинені
""".split())
# What opens and closes (lowercased text): "open" is trouble for it, "closed" fine.
OPENABLE_RE = re.compile(r"door|window|gate|garage|lid|hatch|valve|cover|shutter|tür|tuer|fenster|tor\b|porte|fenêtre"
                          r"|fenetre|portail|puerta|ventana|port[oó]n|portão|portao|janela|porta|finestra|cancello"
                          r"|deur|raam|garaje|garagem|двер|окн|вікн|ворот")

"""The limits a check-in states for what its lookups read, and how a reading stands against them.

A HEARTBEAT.md says what to watch and where it turns into news: "alert me if any disk is over 90%", "tell me if
replication lag exceeds 30 s", "only if the CPU temp goes above 80 °C", "warn if the cert expires within 14 days",
"ping me if the last backup is older than 26 hours". The lookups answer in their tools' formats (`df -h`,
`{"replication_lag_s": 0.4}`, `Seconds_Behind_Master: 0`, `notAfter=May 19 03:12:08 2026 GMT`). Without a limit a
reading is news (`lookup_news`: whether it crosses the user's bound is for the model to judge); with one, the
classifier judges it: past the limit is news, within it is the answer to what the check-in asked.

A limit names its reading by the words before its operator ("replication lag") and by its unit. A reading is judged
by a limit only when the two name the same thing: the limit's last word or its unit's noun is in the reading's label
(or one the same thing goes by: "lag" and "Seconds_Behind_Master", "disk" and `df`'s "Filesystem"), or, for a share
or a temperature, any word of the limit is; and their units agree. Ages and times left are read against the check-in's
clock, with the widest offset when its time zone is unknown (a backup 20 hours old by a clock of unknown zone may be
34 hours old: not within 26).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from larouter.routing.due import checkin
from larouter.routing.limit_dates import Clock, clock
from larouter.routing.limit_polarity import sideless_alert
from larouter.routing.limit_phrases import (ABOVE_OPS, AGE_OPS, BELOW_OPS, INCLUSIVE_OPS, PRONOUN_RE, SENTENCE_RE,
                                            WITHIN_OPS, clause_of, last, last_end, rewritten_lines, worded)
from larouter.routing.limit_vocab import (ALERT_VERB_RE, ALERT_VERBS, ALIASES, EXPIRY_RE, FAHRENHEIT, FREE,
                                          GENERIC_DATED, TAKEN, TIME_UNITS, UNIT_WORDS, Limit, unit_dimension)
from larouter.routing.readings import number


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


# Words between an operator and its figure: an article ("sous les 30 %", review 23), a rough figure's ("~60 s").
_ARTICLES = frozenset({"les", "la", "le", "los", "las", "el", "il", "lo", "gli", "die", "der", "das", "den", "dem",
                       "the"})
_ROUGHLY = frozenset({"about", "around", "approx", "approx.", "roughly", "ca.", "etwa", "environ"})
_OP_RE = re.compile(rf"(?<![\w<>=])({_alternation(ABOVE_OPS + BELOW_OPS + AGE_OPS + WITHIN_OPS)})\s*"
                    rf"(?:of\s+|de\s+|di\s+|i\s+)?(?:(?:{_alternation(_ARTICLES)})\s+)?"
                    rf"(?:~\s?|(?:{_alternation(_ROUGHLY)})\s*)?"
                    r"(\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d.,])|[+−-]?\d+(?:[.,]\d+)?)"  # (spaced thousands: "23 000")
                    r"\s*(%|°\s?[cf]\b|[^\W\d_]{1,12})?", re.I)
_GATE = re.compile(r"[0-9]")

# A word of a limit's subject ("lag", "cpu%").
_WORD_RE = re.compile(r"[^\W_]+%?|%")
_STOP = frozenset("""
a an the any my our your its their is are was be been gets get goes go rises rise climbs climb drops drop falls fall
stays stay reaches reach hits hit becomes grows grow it me us alert alerts warn warns tell notify flag let know
message text only just also of on for in at to than with not no current currently total value level reading reads
there each every all some if when whenever once please send report ever still check whether die der das directory
directories folder folders dir ordner dossier usually normally typically generally has have had passe passer devient
tombe descend monte ficar fica ficou passar cair cai estar ser baja sube pasa llega queda scende sale va tra fällt
steigt liegt geht wird ist komt gaat zakt stijgt wordt spadnie spada wzrośnie jest będzie är blir går sjunker stiger
om mig meddela eller och att det nie być może mij mi müssen moeten doivent deben devono sollen need needs es est è
caduca caducan alguno alguna tutti nodi expires expire expiring scade scadono expira expiran vence läuft verloopt
wygasa uses using consumes consuming dropping falling rising climbing going getting took takes take taking lasts
lasted runs ran or and und oder ou o y et e i must should be nicht sollte soll muss darf doit deve debe never not
den dem des le la les el los las il lo gli de del du von van het een ein eine un une uno una
""".split())

_LEFT = ("left", "remaining", "remain", "to go", "away", "from now", "ahead", "restants", "übrig", "restantes",
         "rimasti")
_AGO_WORDS = ("ago", "old", "alt", "her")
# What a reading "falls behind" by: "more than 60 seconds behind" is a lag.
_AFTER_UNIT = frozenset({"behind", "late", "delayed", "verzögert", "retard", "atrasado"})
# The verbs of how long something lasts ("the backup took longer than 2 hours"): its limit names a duration.
_DEGREES = frozenset({"degrees", "degree", "deg", "grad", "degrés"})
_LASTING_VERBS = frozenset({"took", "takes", "take", "taking", "lasts", "lasted", "runs", "ran", "dauert", "dure"})


def stated_limits(text: str) -> tuple[Limit, ...]:
    """Every limit the check-in's instructions state (its turn, its checklist), in the order written."""
    return _scan(text)[0]


def _scan(text: str) -> tuple[tuple[Limit, ...], bool, tuple[str, ...]]:
    """The limits the instructions state, and whether they state one in a form not read: a comparison with a number
    after "than", "at most" or "at least" that no operator reads ("gets cheaper than 5 €", "no later than 9:00"), so
    what the lookups show cannot be known to answer it. (A number is read for an operator only when the word or sign
    right before it can end one: the full pattern costs ~30 us on a check-in's clock line, the gates ~2.)"""
    if not text or _GATE.search(text) is None and not worded(text):
        return (), False, ()
    found: list[Limit] = []
    usuals: list[Limit] = []
    unread = nameless = False
    sideless: list[str] = []  # what a bound whose bad side is unsaid names ("tank fragmentation under 50%")
    for line in rewritten_lines(text):
        if _GATE.search(line) is None:
            continue
        previous: Limit | None = None
        if _OP_LAST_WORDS.isdisjoint(line.lower().split()) and not any(map(line.__contains__, "<>≥≤")):
            continue  # (no word or sign an operator ends in: a clock line, a date)
        for n in _NUMBER_RE.finditer(line):
            if not _may_close_operator(line, n.start()):
                continue
            m = next((m for m in _OP_RE.finditer(line, max(0, n.start() - 40), n.start() + 32)
                      if m.start(2) == n.start()), None)
            read = _limit(line, m) if m is not None else None
            if m is not None and read is None and _side(line[: m.start()], line[m.end():]) is None:
                sideless += _subject(clause_of(_ASIDE_RE.sub(" ", line[: m.start()])))[:1]
                nameless = True  # a bound whose bad side is unsaid ("- |System time| under 50 us"): beside limits that
                # are read, they cannot answer the check-in (review of this session's equality limits)
            if read is not None:
                limit, usual, unit = read
                if previous is not None and set(limit.words) <= {unit} and previous.dimension == limit.dimension and (
                        PRONOUN_RE.search(line[max(0, m.start() - 30): m.start()])):
                    limit = attrs.evolve(limit, words=previous.words)  # "… normally above 800 Mbit/s; only tell me
                    # if it's under 500 Mbit/s": what "it" is, the limit before it says (blind v43)
                if not limit.words and limit.dimension not in ("%", "temp", "age", "left"):
                    nameless = True  # "tell me if it goes over 3" names nothing a lookup could be read for: with
                    continue  # other limits, they cannot answer the check-in
                found.append(limit)
                usuals += [limit] if usual else []
                previous = limit
            unread = unread or (m is None and (line[max(0, n.start() - 6): n.start()].rstrip().lower().endswith(
                ("than", "most", "least")) or _COMPARED_RE.search(line, max(0, n.start() - 32), n.start()) is not None))
            # ("wärmer als -12 °C" read by no operator: blind v47; not "Di 03.03.2026", a Tuesday)
    if usuals:  # what is usual, where an alert on the same reading says where news starts, is no bound of its own
        found = [f for f in found if not any(f is u for u in usuals) or not any(
            o.dimension == f.dimension and o.words[:1] == f.words[:1] for o in found if all(o is not u for u in usuals))]
    return tuple(found), unread or (nameless and bool(found)), tuple(sideless)


_NUMBER_RE = re.compile(r"(?<![\d.,])[+−-]?\d")
# A comparative's "than" in other languages, right before a number ("wärmer als", "más caliente que", "più di").
_COMPARED_RE = re.compile(r"(?:\b\w+er|\bmehr|\bweniger)\s+als\s*$|\b(?:más|menos|plus|moins|mais)\s+(?:\w+\s+)?que\s*$"
                          r"|\b(?:più|meno)\s+(?:\w+\s+)?di\s*$|(?:\b\w+er|\bmeer|\bminder)\s+dan\s*$"
                          r"|(?:\b\w+re|\bmer|\bmindre)\s+än\s*$|\b(?:więcej|mniej|\w+sz[yae])\s+niż\s*$", re.I)
# The words an operator ends in ("more than", "plus de", "über"), and its signs.
_OP_LAST_WORDS = frozenset(op.split()[-1] for op in ABOVE_OPS + BELOW_OPS + AGE_OPS + WITHIN_OPS) | {"of"}


def _own(tail: list[str]) -> list[str]:
    """The words after an operator up to the next condition's ("less than 10% left or disk usage …": left)."""
    for i, word in enumerate(tail):
        if word in _CONJUNCTIONS or i and tail[i - 1][-1:] in ",;.":
            return tail[:i]
    return tail


_CONJUNCTIONS = frozenset({"or", "and", "oder", "und", "ou", "et", "y", "o", "but", "aber", "mais"})


def _may_close_operator(line: str, at: int) -> bool:
    before = line[max(0, at - 40): at].rstrip().rstrip("~").rstrip()
    if not before:
        return False
    if before[-1] in "<>=≥≤":
        return True
    words = before.lower().split()
    if len(words) > 1 and (words[-1] in _ROUGHLY or words[-1] in _ARTICLES):
        words.pop()  # "more than about 60 s", "more than ~60 s" (review 22), "sous les 30 %" (review 23)
    return words[-1] in _OP_LAST_WORDS




def _limit(line: str, m: re.Match[str]) -> tuple[Limit, bool, str] | None:
    """The limit one operator states, whether only what is usual says which side is news ("download is normally
    above 800 Mbit/s"), and its unit as written; None when what it names, its unit or which side is news is unclear."""
    found = _limit_of(line, m)
    if found is None:
        return None
    before = line[: m.start()]
    sentence = before[last_end(SENTENCE_RE, before):]
    usual = _ALERT_RE.search(sentence) is None and _USUAL_RE.search(sentence) is not None
    return found, usual, (m[3] or "").lower()


def _limit_of(line: str, m: re.Match[str]) -> Limit | None:
    """The limit one operator states (see `_limit`)."""
    alert = _side(line[: m.start()], line[m.end():])
    if alert is None and _BOUND_RE.search(line[max(0, m.start() - 12): m.start() + len(m[1])]):
        alert = False  # a bound said as one ("CPU% no more than 80", "at most 10 seconds"): what healthy is
    if alert is None and not _NEGATION_RE.search(line[max(0, m.start() - 24): m.start()]):
        alert = sideless_alert(clause_of(_ASIDE_RE.sub(" ", line[: m.start()])), m[1].lower(), (m[3] or "").lower())
    if alert is None:
        return None  # neither an alert ("tell me if …") nor what healthy is ("must be …", "SLO: …"): which side is news?
    op = m[1].lower()
    value = number(m[2].replace(" ", "").replace("\u00a0", "").replace("\u202f", ""))  # ("23 000 MiB")
    unit = (m[3] or "").lower().replace(" ", "")
    after = line[m.end(): m.end() + 40].lower()
    tail = after.split()
    if unit in _DEGREES and tail and tail[0].strip(",.;") in FAHRENHEIT | {"c", "celsius"}:
        unit, tail = tail[0].strip(",.;"), tail[1:]  # "above 40 degrees F" (review 21)
    clause = clause_of(_ASIDE_RE.sub(" ", line[: m.start()]))  # ("fan2 (the CPU fan) drops under": fan2)
    words = _subject(clause)
    if words and words[0].endswith("%") and len(words[0]) > 1:
        unit = unit if unit_dimension(unit)[0] else "%"  # a column's name: "CPU% no more than 80"
        words = (words[0][:-1], *words[1:])
    if len(words) > 1 and (words[0] in TIME_UNITS or words[0] in UNIT_WORDS):
        unit = unit or words[0]  # a key's unit is its limit's ("p95_latency_ms < 800": latency, in ms)
        words = words[1:]
    dimension, scale, offset = unit_dimension(unit, one_letter_sizes=(m[3] or "") in ("K", "M", "G", "T"))
    side = next((w.strip(",.;") for w in _own(tail[:6]) if w.strip(",.;") in FREE | TAKEN), "")
    if tail[:1] == ["of"]:  # "under 10% of the disk is free", "less than 10 minutes of runtime left", "more than 2 GB
        of = tuple(w for w in (x.strip(",.;") for x in tail[1:4]) if w not in _STOP and w not in FREE | TAKEN)[:1]
        words = (*of, *words)  # of memory", "more than 85% of its memory limit": what it is of follows
    if side:
        words = (*words, side)  # "less than 10% left", "over 90% used": which side of the share
    if dimension == "" and unit and unit not in _STOP:
        words = (*words, unit) if words else (unit,)  # "depth above 1000 messages", "fan2 under 300 RPM": the unit
        # names it too, after what the clause names
    if tail and tail[0].strip(",.;") in _AFTER_UNIT:
        words = (tail[0].strip(",.;"), *words)  # "more than 60 seconds behind": a lag
    lasting = dimension == "time" and (op in ("longer than", "shorter than") or not _LASTING_VERBS.isdisjoint(
        clause.lower().split())) and not clause.lower().rstrip().endswith(" for")
    if lasting:  # "took longer than 2 hours", "if the build takes more than 20 min": how long a run lasts
        words = ("duration", *words)
    elif not words and op in ("slower than", "faster than"):
        words = ("latency",)  # "if it gets slower than 800 ms": how long it takes to answer
    above = op in ABOVE_OPS or op in AGE_OPS
    conjunct = _ASIDE_RE.sub(" ", line[max(0, m.start() - 40): m.start()])[-24:]
    conjunct = conjunct[last_end(_CONJUNCTION_RE, conjunct):]  # ("is not mounted or over 90%": another condition's)
    negated = _NEGATION_RE.search(conjunct) is not None
    if negated:
        above = not above  # "must not exceed 90%", "should not drop below 20%", "sollte nicht über 90 % liegen"
    last = dimension == "time" and above and not lasting and any(w in GENERIC_DATED - {"date", "time"} for w in words)
    if dimension == "time" and (op in AGE_OPS or last or any(after.lstrip().startswith(w) for w in _AGO_WORDS)
                                or (op in WITHIN_OPS and not alert and EXPIRY_RE.search(clause) is None)):
        if alert == above or (op in WITHIN_OPS and not alert):  # "older than 26 hours"; "must have run within 26 h"
            return Limit(words, True, value * scale, "age", scale)
        return None
    if dimension == "time" and not lasting and (op in WITHIN_OPS or EXPIRY_RE.search(clause) or any(map(after.__contains__, _LEFT))):
        if (alert and (op in WITHIN_OPS or not above)) or (not alert and above):  # "expires within 14 days"; "must
            return Limit(words, False, value * scale, "left", scale)  # be more than 21 days away": news when less left
        return None
    if op in WITHIN_OPS or op in AGE_OPS:
        return None
    inclusive = op in INCLUSIVE_OPS or _OR_EQUAL_RE.search(line[max(0, m.start() - 16): m.start()]) is not None
    inclusive = inclusive != negated  # ("no more than 80": 80 is within)
    closed = inclusive if alert else not inclusive  # (alert "≥ 90%": 90 is news; healthy "under 30 s": 30 is)
    return Limit(words, above if alert else not above, value * scale + offset, dimension, scale, offset, closed)


# What says the condition is news ("tell me if", "alert when", "problem if"), and what says it is how things
# should be ("must be", "SLO:", "bound:", "usually under"): a limit is read only where one of them, in its own
# sentence, says which side is bad.
_ALERT_RE = re.compile(r"\b(?:alert|alerts|warn|warning|notify|tell|problem|report if|report when|escalate|let me know"
                       r"|(?:ping|page|text|message|flag|wake)\s+(?:me|us|him|her|them|the|it)|if|when|whenever|alarm|melde|warne|benachrichtig|wenn|falls"
                       r"|avísame|avisa|alerta|si|préviens|alerte|signale|quand|avvisa|segnala|se|se\s|waarschuw|als"
                       r"|сообщи|если|powiadom|jeśli|jeżeli|meld|meddela|säg till|om|napisz|daj znać|stuur|avise"
                       r"|préviens-moi|dimmi|avvisami|sag mir|sag bescheid)\b", re.I)
_HEALTHY_RE = re.compile(r"\b(?:must|should|slo|sla|bound|healthy|fine|expected|expect|target|keep|stay|stays|normal"
                         r"|normally|usually|typically|generally|acceptable|needs? to|as long as|ok if|ok when|okay if"
                         r"|good if|is ok|muss|soll|sollte|debe|doit|deve|moet|должен|powinien|norm|normalerweise"
                         r"|normalement|normalmente|while|musi|może|powinna|powinno|ska|skall|bör|moeten|mag|devem"
                         r"|debería|dovrebbe|darf|dürfen|müssen|doivent|deben|devono)\b", re.I)
# "unless": the condition after it is news when what comes before is staying quiet ("reply HEARTBEAT_OK unless …",
# "don't bother me unless …"), how things should be when it is an alert ("alert me unless lag is under 30 s").
_UNLESS_RE = re.compile(r"\b(?:unless|außer wenn|sauf si|a menos que|tenzij|a meno che)\b", re.I)
_QUIET_RE = re.compile(r"heartbeat_ok|no_reply|\bquiet\b|\bsilent\b|\bnothing\b|\bignore\b|\bskip\b|\bdon't\b|\bdo not\b"
                       r"|\bno need\b|\bnever mind\b|\bok\b|all good|\bidle\b", re.I)
# An alert said not to be sent ("no alert needed while …", "don't ping me about …"): what follows is how things are.
_NO_ALERT_RE = re.compile(r"\b(?:no|don't|do not|never|no need to|not)\s+(?:\w+\s+)?(?:alert|alerts|tell|ping|notify|page"
                          r"|warn|bother|message)\w*", re.I)
_CONJUNCTION_RE = re.compile(r",|;|\s(?:or|and|oder|und|ou|et|o|y|of|en)\s", re.I)
# A negation right before an operator turns its side ("must not exceed", "should never drop below", "nicht über").
_OR_EQUAL_RE = re.compile(r"\b(?:at|reaches|hits|equals)\s+or\s*$", re.I)  # "at or above 90%", "reaches or exceeds"
_NEGATION_RE = re.compile(r"(?:\b(?:not|never|no longer|no|nicht|nie|niemals|pas|jamais|nunca|non|mai|niet|nooit|не)"
                          r"|n't)\s+(?:[^\W\d]+\s+){0,2}$", re.I)  # (its own verb at most: "must not exceed", "should
# never drop below"; not "the backup disk (not the NAS) is over", "non-prod database is over", review 22)


def _side(before: str, after: str = "") -> bool | None:
    """True when the words of its sentence before an operator say its condition is news, False when they say it is
    how things should be, None when they say neither or both (review 20: "Ping to the router is usually under 5 ms"
    names a ping and what is usual; "reply HEARTBEAT_OK unless disk usage is over 90%")."""
    sentence = before[last_end(SENTENCE_RE, before):]
    unless = last(_UNLESS_RE, sentence)
    if unless is not None:
        lead = sentence[: unless.start()]
        quiet = _QUIET_RE.search(lead) is not None or _NO_ALERT_RE.search(lead) is not None
        if quiet == (_ALERT_RE.search(lead) is not None and _NO_ALERT_RE.search(lead) is None):
            return None
        return quiet  # after staying quiet, "unless" names the news; after an alert, what is fine
    if _NO_ALERT_RE.search(sentence):
        return None if _HEALTHY_RE.search(sentence) is None and "while" not in sentence.lower() else False
    alert = _ALERT_RE.search(sentence) is not None
    healthy = _HEALTHY_RE.search(sentence) is not None or (not alert and _EXPECT_RE.search(sentence) is not None)
    end = SENTENCE_RE.search(after)
    rest = after[: end.start() if end else len(after)]
    if _OTHERWISE_RE.search(rest) and _QUIET_AFTER_RE.search(rest):
        return True  # "… if lag is over 30 s, otherwise reply HEARTBEAT_OK": the condition is the news (review 22)
    if _QUIET_AFTER_RE.search(rest) and ALERT_VERB_RE.search(sentence) is None:
        return False  # "if lag is under 30 s, there is nothing to report": the condition is how things should be
    if not alert and not healthy:  # the alert said after ("Swap use past 2 GiB → message me", blind v44), or what
        alert = _ALERT_AFTER_RE.search(rest) is not None  # healthy is ("page load under 2 s is fine", review 20)
        healthy = not alert and (_HEALTHY_RE.search(rest) is not None or _IS_FINE_RE.search(rest) is not None)
    return None if alert == healthy else alert


# What staying quiet is, said after a condition (review 21), and an alert said in a verb before it.
_QUIET_AFTER_RE = re.compile(r"nothing to (?:report|do|say)|heartbeat_ok|all is well|all good|no action|stay quiet"
                             r"|reply (?:ok|heartbeat)", re.I)
_OTHERWISE_RE = re.compile(r"\b(?:otherwise|else|if not|sonst|ansonsten|sinon|si no|de lo contrario|altrimenti|anders"
                           r"|caso contrário|senão|w przeciwnym razie|annars)\b", re.I)
_BOUND_RE = re.compile(r"\b(?:no|not)\s+(?:more|less|higher|lower|greater|older)\s+than|\bat\s+(?:most|least)\b", re.I)
# What a command's output should show, after the command ("`zpool list` → cap under 80%", v45).
_EXPECT_RE = re.compile(r"(?:→|->|=>)\s*[^→>]*$")
_ALERT_AFTER_RE = re.compile(rf"(?:→|->|=>|=|means|then)\s*(?:\w+\s+){{0,3}}?(?:{ALERT_VERBS})\b", re.I)
_IS_FINE_RE = re.compile(r"\b(?:is|are)\s+(?:fine|ok|okay|normal|expected|good|acceptable)\b", re.I)
_ASIDE_RE = re.compile(r"\([^()]*\)")
_USUAL_RE = re.compile(r"\b(?:usually|normally|typically|generally|normalerweise|normalement|normalmente|meestal"
                       r"|zwykle|обычно)\b", re.I)


# Where a subject's head ends and what qualifies it begins ("lag on db-2", "the last backup of hermes").
_QUALIFIER_RE = re.compile(r"\s(?:on|of|for|at|in|from|to|across|per|für|auf|bei|von|de|du|des|sur|en|di|del|van|op)\s",
                           re.I)


def _subject(clause: str) -> tuple[str, ...]:
    """What a clause names, its head first ("replication lag on db-2": lag, replication, then db)."""
    lower = clause.lower()
    q = _QUALIFIER_RE.search(lower)
    head, rest = (lower[: q.start()], lower[q.end():]) if q is not None and q.start() > 0 else (lower, "")
    words = [w for w in reversed(_WORD_RE.findall(head)) if w not in _STOP and not w.isdigit() and len(w) > 1]
    words += [w for w in reversed(_WORD_RE.findall(rest)) if w not in _STOP and not w.isdigit() and len(w) > 1]
    if len(words) > 1 and words[0] in _GENERIC_HEADS:
        words[:2] = words[1::-1]  # "failed_count", "the error count": what is counted names it
    return tuple(words[:5])


_GENERIC_HEADS = frozenset({"count", "counts", "number", "num", "amount", "total", "anzahl", "nombre", "número"})





@attrs.frozen(slots=True)
class Stated:
    """The limits a check-in states (its turn and its checklist) and its clock, read once for all its lookups."""

    limits: tuple[Limit, ...] = ()
    now: Clock | None = None
    covered: bool = True  # every limit names something the lookups show: only then do they answer the check-in
    unread: bool = False  # a limit stated in a form not read (`_scan`): the lookups never answer the check-in
    sideless: tuple[str, ...] = ()  # what bounds whose bad side is unsaid name: a lookup showing it never answers

    def disk_share(self) -> float | None:
        """The use of a disk the check-in says to warn above ("alert me if any filesystem is over 90%"), or None."""
        shares = [limit.value for limit in self.limits if limit.dimension == "%" and limit.above
                  and (not limit.words or any(w in ALIASES[0] for w in limit.words))]
        return min(shares) if shares else None

    @classmethod
    def of(cls, instructions: str, turn: str) -> Stated:
        limits, unread, sideless = _scan(instructions)
        if not any(limit.dimension in ("age", "left") for limit in limits):
            return cls(limits, unread=unread, sideless=sideless)
        day, minutes, _ = checkin(turn)
        return cls(limits, clock(turn, day, minutes), unread=unread, sideless=sideless)

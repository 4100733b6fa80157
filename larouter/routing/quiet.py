"""A quiet status report: a scheduler's check-in whose every line says there is nothing to do.

Frameworks word their check-ins in endless ways, but a check-in with nothing in it has one shape in every language:
a header naming the run and its time ("Пінг від планувальника 11:30", "[TRIAGE_SWEEP 2025-02-11 06:00]",
"ereignis=herzschlag"), then lines that each report none or zero ("нових PR немає", "unread=0", "alarmes: nenhum"),
all-is-well ("builds green", "9/9 monitors UP") or the idle instruction ("if nothing to do, reply 'klid'"). The
words for "none", "well" and "if" are a small closed vocabulary per language (`[routing.classifier.quiet_report]`),
so this carries to conventions the rules were never shown. One line with anything else in it (a reading out of
range, a task, a name and a request) and it is not quiet; a question is never a report; and the heartbeat rules
still read new items, due tasks and requests in it before calling it a heartbeat.
"""

from __future__ import annotations

import re

from larouter.routing.compiled import QuietVocabulary, ascii_part
from larouter.routing.counts import NONZERO_RE, bare_clause, counts_something
from larouter.routing.payload import payload_lines
from larouter.routing.quiet_rules import TROUBLE_STATES
from larouter.routing.readings import judged_normal, keep_asides, within_thresholds
from larouter.routing.statustime import STAMP_RE, STATUS_TIME_RE
from larouter.routing.tokens import word_tokens

# Clause boundaries (kept, as the one group): list separators, sentence ends, "label: value", and the space before
# the next "key=value" pair ("key:value" is read as one).
CLAUSE_RE = re.compile(r"(\s*(?:[·;\n。，、•।：／፣።፦،۔]|\s?\|\s?|,\s|\.\s|!\s|—|–|\s-\s|\s/\s|:\s)\s*|\s+(?=[^\W\d][\w-]*\s?=\s?\S))")
LABEL_ENDS = (":", "：")  # a clause before one of these names the value that follows
_KEY_COLON_RE = re.compile(r"(?<=[^\W\d])[:](?=[^\s/:])")  # "new_events:0" is "new_events=0" (not 10:00, ::notice::)
_ZERO_RE = re.compile(r"(?<![\w.,:/$-])(?:0+(?:[.,]0+)?|[٠۰०০]+(?:টি|টা)?)(?![\w,:/%$-]|\.\w)|∅|✅|🟢|👍")
# An empty record ("alerts: []", "pending={}"), looked for in the clause as written: with its numbers taken out,
# sysctl's "vm.loadavg: { 14.20 12.10 9.97 }" read as one (review 24).
_EMPTY_RECORD_RE = re.compile(r"(?:^|[=:])\s*(?:\[\s*\]|\{\s*\})\s*$")
_DIGIT_RE = re.compile(r"\d")
_GREEN_RE = re.compile(r"[-*•·]?\s*(?:🟢|✅|✔️?|☑️?|🆗|💚)")  # a line a status board marked fine
# ...or marked after the name of what it checks ("main   #4812 ✅ passed (12m03s)", "nightly-e2e ✅ passed 03:14")
_MARKED_AFTER_NAME_RE = re.compile(r"[-*•·]?\s*[\w./-]+(?:\s+#\d+)?\s+(?:🟢|✅|✔️?|☑️?|💚)")
_TOKEN_RE = re.compile(r"[\"'`«»„“”‘’「」]|\b[A-Z][A-Z0-9_]{2,}\b|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_WORD_RE = re.compile(r"\w+")
_DONE_RE = re.compile(r"(?:[-*+]\s*)?\[[xX✓✔]\]")
# What CLAUSE_RE splits on: a text without one of these is a single clause, no report.
_SEPARATORS = ("·", "،", "۔", ";", "\n", "。", "，", "、", "•", "।", "：", "／", "፣", "።", "፦", "|", ",", ". ", "! ", "—", "–", " - ", " / ", ":", "=")
_NOTHING_MARKS = ("0", "٠", "۰", "०", "০", "∅", "✅", "🟢", "👍", "[]", "{}", "[ ]")  # what _ZERO_RE can find
_NOT_A_REPORT = ("?", "？", "؟", "\\", "$")  # questions; maths ("\\sin x" is not Spanish for "without")
_SEPARATORS_ASCII, _NOTHING_MARKS_ASCII, _NOT_A_REPORT_ASCII = map(ascii_part, (_SEPARATORS, _NOTHING_MARKS, _NOT_A_REPORT))
MAX_CLAUSE_WORDS = 10  # a report line; longer clauses are prose
NAME_WORDS = 4  # a sender's name after the header ("Tallinna raamatupidamisbüroo Arvestaja" is no name: lower case)
HEADER_CLAUSES = 3  # a greeting and a sender may come before the clause with the time
MAX_CONDITION_WORDS = 16  # "if nothing needs doing" in a sentence; a longer clause is a request ("… normal e me avisa")
CONDITION_WORDS = 7  # a short "if so" before the reply ("Mura bhfuil aon rud le déanamh", "إذا لم يكن هناك ما يلزم فعله")
FOLLOWING = 2  # clauses after "if there is nothing to do" that may say what to reply


def quiet_report(text: str, periodic: bool, vocab: QuietVocabulary) -> bool:
    """Whether `text` is a status report with nothing to do: at most `max_chars`, no question, and every clause
    after the header (the first clause, when the text is stamped with a time or names a periodic check: `periodic`,
    the caller's gate; otherwise every clause, two of them reporting nothing) is a short line reporting none or
    zero, all is well, a done item, or the idle instruction ("if nothing to do, reply only 'klid'"); at least one
    reports none or zero, and none carries a non-zero count or a "no" before trouble ("no response")."""
    plain = text.isascii()  # (then only the ASCII separators and marks can be in it)
    if len(text) > vocab.max_chars or not any(map(text.__contains__, _SEPARATORS_ASCII if plain else _SEPARATORS)):
        return False  # one clause is no report
    if any(map(text.__contains__, _NOT_A_REPORT_ASCII if plain else _NOT_A_REPORT)):
        return False
    if not (vocab.none.found(word_tokens(text.lower()), text)
            or any(map(text.__contains__, _NOTHING_MARKS_ASCII if plain else _NOTHING_MARKS))):
        return False  # nothing says "none" or "zero": not worth splitting (most requests end here, ~2 us)
    scheduled = periodic or STAMP_RE.search(text) is not None
    payload = payload_lines(text) if scheduled else None  # {"temperature": 0, "messages": []} is no report
    if payload is not None:
        first, _, rest = payload.partition("\n")
        # A stamped or named payload is read field by field, every one of them, its first field aside when that
        # names the sender ("source": "Kasir Pintar", <poll service="...">); the text itself as a fallback.
        if _nothing_in(CLAUSE_RE.split(rest if not _DIGIT_RE.search(first) else payload), 0, 2, vocab, values=False):
            return True
    # A stamped or named check-in opens with a header (who, when) that may say anything; an unnamed report
    # ("matched=0 muted=0 errors=0", its timestamp taken away with the envelope) must be all nothing, twice.
    parts = CLAUSE_RE.split(_KEY_COLON_RE.sub("=", keep_asides(within_thresholds(text.strip()))))
    if not scheduled:  # all nothing, twice; or a short "label:" header (a check's name) and then all nothing, twice
        # Unstamped, each "none" must open or close its line ("no new orders", "новых заказов нет"; not "tukar nada
        # dia", Malay for "change its tone"), and a text that is not "label: ..." needs a zero or an idle reply: a
        # follow-up with a negation in every clause ("Hyvä. Mutta ei noin, ... ilman huutomerkkiä.") is no report.
        if _label_header(parts) and _nothing_in(parts, 2, 2, vocab, edge=True):
            return True
        if not _shows_a_report(text, vocab):
            return False
        return _nothing_in(parts, 0, 2, vocab, edge=True) or (_label_header(parts, (".",))
                                                               and _nothing_in(parts, 2, 2, vocab, edge=True))
    # A payload's text has no prose header to extend: its first clause is its opening tag or key.
    if _nothing_in(parts, 2 if payload is not None else _header_end(parts, vocab), 1, vocab, values=payload is None):
        return True
    # A stamped first line is the header whole, however its date splits into clauses ("Időpont: 2026. március 12.,
    # csütörtök 10:40", "ngoLwesibili, 10 Mashi 2026, ngo-21:00 (SAST)"); so are short lines naming the check before
    # it ("Zap: Hourly Gmail check (label: Invoices)\nTrigger time: Mar 13, 2026 3:00 PM EDT"): the rest is the report.
    if payload is not None:
        return False
    lines = text.strip().split("\n", HEADER_LINES)
    for n, head in enumerate(lines[:-1]):
        if _header_line(head, vocab):
            rest = "\n".join(lines[n + 1:])
            return _nothing_in(CLAUSE_RE.split(_KEY_COLON_RE.sub("=", keep_asides(within_thresholds(rest)))), 0, 1, vocab)
        if (len(head.split()) > HEADER_LINE_WORDS or counts_something(head) or STAMP_RE.search(head)
                or vocab.none.found(word_tokens(head.lower()), head)):
            return False
    return False


HEADER_LINE_WORDS = 20  # a longer first line is prose
HEADER_LINES = 2  # lines naming the check that may come before its stamped line
HEADER_VALUE_WORDS = 3  # "Yoxlama vaxtı: 10.03.2026, saat 20:00 (Bakı)": a label's value in a header is its time


def _header_line(line: str, vocab: QuietVocabulary) -> bool:
    """Whether a first line names a check and its time only: stamped, short, saying no none and counting nothing
    once its stamps are gone ("Inbox 09:00, 3 new" reports; so do labels with values: "Ugesi: ukhona. Ukucishwa
    kukagesi: kuhlelwe ngo-18:00")."""
    if STAMP_RE.search(line) is None or len(line.split()) > HEADER_LINE_WORDS:
        return False
    if vocab.none.found(word_tokens(line.lower()), line):
        return False
    bare = STAMP_RE.sub(" ", line)
    _, colon, value = bare.partition(": ")
    if colon and (": " in value or len(value.split()) > HEADER_VALUE_WORDS):
        return False
    return not counts_something(bare)


HEADER_LABEL_WORDS = 5  # "Automatic check:", "Ukaguzi wa kawaida (saa 5 asubuhi):" names the check, asks nothing


def _label_header(parts: list[str], ends: tuple[str, ...] = (":", "：", "፦")) -> bool:
    """Whether the report opens with a short label ending in a colon (or `ends`), the name of the check."""
    return (len(parts) > 2 and parts[1].strip()[:1] in ends
            and 0 < len(_PAREN_RE.sub(" ", parts[0]).split()) <= HEADER_LABEL_WORDS)


_PAREN_RE = re.compile(r"\([^()]*\)")


def _zero(bare: str, clause: str) -> bool:
    """Whether a clause (`bare`: without its stamps, names and durations) says zero, or holds an empty record."""
    return _ZERO_RE.search(bare) is not None or _EMPTY_RECORD_RE.search(clause) is not None


def says_none(clause: str, vocab: QuietVocabulary) -> bool:
    """Whether a clause says none or zero and counts nothing ("nessun promemoria scaduto", "0 overdue"; "срокове
    през следващите 7 дни: няма" counts no days)."""
    bare = bare_clause(clause)
    if NONZERO_RE.search(bare):
        return False
    return _zero(bare, clause) or vocab.none.found(word_tokens(clause.lower()), clause)


def _header_end(parts: list[str], vocab: QuietVocabulary) -> int:
    """Where the report starts after its header, among the first HEADER_CLAUSES and never at its last clause (the
    report): after the first clause, or after the clause with the time stamp ("Καλησπέρα! Αυτόματος έλεγχος ... στις
    20:00. Καμία νέα ...", "Réveil planifié · jeudi 26 février 2026 à 19h50 · ..."), then after clauses naming the
    automatic sender ("Hola, soy el recordatorio automático de Huerto Vivo. Son las 7:00 y no hay ..."). A clause
    that says none is part of the report."""
    last = min(len(parts) - 2, 2 * HEADER_CLAUSES)
    end = 2
    for i in range(0, last, 2):
        if STAMP_RE.search(parts[i]):
            if _header_like(parts[i], vocab):
                end = i + 2
            break
    while end < last and (STAMP_RE.search(parts[end]) or vocab.header.found((), parts[end].lower())
                          or _proper_name(parts[end])):
        if not _header_like(parts[end], vocab) or counts_something(parts[end]):
            break
        end += 2
    return end


def _token(clause: str) -> bool:
    """Whether the clause quotes a reply: quotes, an emoji, or a word in capitals in any script ("ՀԱՆԳԻՍՏ")."""
    return _TOKEN_RE.search(clause) is not None or any(len(w) > 2 and w.isupper() for w in word_tokens(clause))


def _replies(parts: list[str], i: int, vocab: QuietVocabulary) -> bool:
    """Whether clause `i` (if any) says how to reply ("Dana: call me if urgent" is a message, not a condition)."""
    return i < len(parts) and vocab.reply.found(word_tokens(parts[i].lower()), parts[i])


def asks_idle_reply(text: str, vocab: QuietVocabulary) -> bool:
    """Whether a clause says what to reply when there is nothing to do, in any language of the vocabulary: an "if"
    with a reply verb in it or the clause after it, and the reply itself (quoted, in capitals or an emoji): "Haddii
    wax walba ay caadi yihiin, ku jawaab oo keliya 'NABAD'"."""
    parts = CLAUSE_RE.split(text)
    for i in range(0, len(parts), 2):
        clause = parts[i]
        if vocab.condition.found(word_tokens(clause.lower()), clause):
            said = clause + " " + (parts[i + 2] if i + 2 < len(parts) else "")
            if vocab.reply.found(word_tokens(said.lower()), said) and _token(said):
                return True
    return False


def _proper_name(clause: str) -> bool:
    """A clause that is only a name in capitals ("Xawaalada Hiigsi", "Burco"): the sender, not news."""
    words = clause.split()
    return 0 < len(words) <= NAME_WORDS and all(w[0].isupper() and not _DIGIT_RE.search(w) for w in words)


def _header_like(clause: str, vocab: QuietVocabulary) -> bool:
    """A clause short enough for a header that does not say none ("Son las 7:00 y no hay riegos" reports)."""
    return len(clause.split()) <= MAX_CLAUSE_WORDS and not vocab.none.found(word_tokens(clause.lower()), clause)


def _shows_a_report(text: str, vocab: QuietVocabulary) -> bool:
    """Whether an unstamped, unlabelled text has what a report has beyond its negations: a zero or empty mark
    ("unread=0", "✅"), or the idle reply it asks for ("... responde solo OK")."""
    return _zero(text, text) or vocab.reply.found(word_tokens(text.lower()), text)


def _none_at_edge(tokens: list[str], clause: str, bare: str, vocab: QuietVocabulary) -> bool:
    """Whether the clause says none with one of its first or last two words, a zero, or (scripts written without
    spaces) a substring: a report line quantifies its item, prose negates in the middle of a sentence."""
    if _zero(bare, clause) or not vocab.none.words.isdisjoint(tokens[:2] + tokens[-2:]):
        return True
    return vocab.none.words.isdisjoint(tokens) and vocab.none.found((), clause)


def _nothing_in(parts: list[str], start: int, needed: int, vocab: QuietVocabulary, edge: bool = False,
                values: bool = True) -> bool:
    """Whether the clauses of `parts` (clause, separator, clause, ...) from `start` on all report nothing, at least
    `needed` of them none or zero (`edge`: said at a clause's edge, see `_none_at_edge`)."""
    nothing = 0
    following = 0  # clauses left that may spell out the reply after an idle condition
    skip_value = green = was_label = False
    verdict = None  # the report's verdict on its readings (`readings_verdict`), read once if a bare reading needs it
    instructed = -1  # the clause of an "otherwise" idle reply: the clauses before it say what to do if there is work
    for i in range(start, len(parts), 2):
        if i < instructed:
            continue
        clause = judged_normal(parts[i].strip(), vocab)  # "32% (kawaida)" reads "ok"
        label = i + 1 < len(parts) and parts[i + 1].strip().startswith(LABEL_ENDS)
        if skip_value:
            skip_value = False
            continue
        bare = bare_clause(clause)
        words = sum(1 for w in bare.split() if _WORD_RE.search(w))  # tokens, not bare punctuation
        if not words:
            continue
        tokens = word_tokens(clause.lower())
        # "🟢 redis   mem 41%", "🟢 API — p95 210 ms": a line a status board marked fine, whatever it measures
        marked = _GREEN_RE.match(clause) is not None or _MARKED_AFTER_NAME_RE.match(clause) is not None
        green = marked or (green and "\n" not in parts[i - 1])
        if green:
            if not vocab.broken.isdisjoint(tokens) or any(map(clause.__contains__, WARNING_MARKS)):
                return False
            nothing += marked
            continue
        counts = NONZERO_RE.search(bare) is not None
        none = vocab.none.found(tokens, clause) or _zero(bare, clause)
        if none and _none_before_trouble(tokens, clause, vocab):
            return False  # "no response from db-01": a "no" that reports trouble
        if _DONE_RE.match(clause):
            continue  # a checked item ("- [x] invoices filed") is done
        valued, was_label = was_label and values, False  # (a label's value: "garage door: open"; a payload's
        # string values name things: "run": "hourly", "branch": "main")
        if label and not counts and words <= MAX_CLAUSE_WORDS:
            skip_value = tokens[-1] in vocab.label_keys  # "seq: 88214" numbers the report
            was_label = True
            continue  # "нові заявки на допомогу: 0": the value that follows says how many
        if clause.partition("=")[0].strip().lower() in vocab.label_keys or _SUBJECT_RE.fullmatch(clause):
            continue  # "seq=88214"; "repo acme/payments-api": what the report is about
        if not counts and STATUS_TIME_RE.fullmatch(STAMP_RE.sub("", clause).strip(" .")) and STAMP_RE.search(clause):
            continue  # "last run 06:12", "letzte Sicherung 03:10": when something last or next happens, no news
        condition = vocab.condition.found(tokens, clause)
        if condition and (instructed := _otherwise_reply(parts, i, vocab)) > i:
            continue  # "If there are unread invoices, extract them as a table. Otherwise output exactly 'none'": the
            # report's own lines decide whether there are any
        if condition and not counts and words <= MAX_CONDITION_WORDS and (none or vocab.well.found(tokens, clause)):
            # "if nothing needs doing"
            # (not "2 pesanan akan dibatalkan jika tidak dikirim": an "if not" around a count is a warning)
            following = FOLLOWING
            nothing += none
        elif condition and not counts and words <= CONDITION_WORDS and _replies(parts, i + 2, vocab):
            following = FOLLOWING  # "Якщо так і є — дай порожню відповідь": a condition before the reply reports nothing
        elif (none and not counts and words <= MAX_CLAUSE_WORDS
              and (not edge or _none_at_edge(tokens, clause, bare, vocab))):
            nothing += 1
        elif vocab.reply.found(tokens, clause) and (vocab.only.found(tokens, clause) or _token(clause) or condition):
            following = FOLLOWING  # "reply only with the word 'benchwarm'", "Respond with `NOZZLE_COOL` when ..."
        elif following and not counts and words <= MAX_CLAUSE_WORDS:
            following -= 1  # "odpisz tylko: CISZA W SKLEPIE": the reply itself
        elif counts or words > MAX_CLAUSE_WORDS or not (vocab.well.found(tokens, clause) or (
                words <= 1 and (not valued or _DIGIT_RE.search(clause) is not None
                                 or _named(bare.strip(" \t\"'.,{}[]()"), vocab)))):
            # (a label's one-word value must say none or all is well: "garage door: open" is news, review 14)
            if not (words <= MAX_CLAUSE_WORDS and _DIGIT_RE.search(clause) and not counts_something(clause)
                    and not _RANGED_RE.search(clause)
                    and (verdict := verdict if verdict is not None else readings_verdict(parts, vocab))):
                return False  # (a bare reading, "cpu 12%", "p99 latency 180 ms", passes under the report's verdict
                # on its readings)
    return nothing >= needed


def _named(value: str, vocab: QuietVocabulary) -> bool:
    """A one-word value that names something ("fleet_status", "STOCK_QUIET", "HQ-3"), not a state in capitals
    ("OPEN", "TRIGGERED": review 15)."""
    return _IDENTIFIER_RE.fullmatch(value) is not None and value.lower() not in _STATES and value.lower() not in (
        vocab.broken) and not vocab.trouble.found((value.lower(),), value)


_STATES = frozenset(TROUBLE_STATES) | frozenset("on off alarm error fire leak low high unknown".split())  # (as names too)
_IDENTIFIER_RE = re.compile(r"[\w.-]*(?:_|\d|[A-Z]{2}|[A-Z]\.[A-Z])[\w.-]*")  # a value that names ("fleet_status", "STOCK_QUIET", "HQ-3")
OTHERWISE_SPAN = 4  # clauses an "if there is work, do it" instruction may take before its "otherwise, reply …"


def _otherwise_reply(parts: list[str], i: int, vocab: QuietVocabulary) -> int:
    """The index of the clause after condition `i` that opens with "otherwise" and says how to reply, or -1."""
    for j in range(i + 2, min(len(parts), i + 2 + 2 * OTHERWISE_SPAN), 2):
        tokens = word_tokens(parts[j].lower())
        if tokens and (tokens[0] in vocab.otherwise.words or vocab.otherwise.found((), parts[j].lstrip()[:8])):
            return j if vocab.reply.found(tokens, parts[j]) else -1
    return -1


# A line naming what the report is about: a subject noun and an identifier ("repo acme/payments-api", "host db-02").
_SUBJECT_RE = re.compile(r"\s*(?:repo|repository|host|server|node|cluster|site|service|project|env|environment|region"
                         r"|device|branch)\s+[\w.-]+(?:/[\w.-]+)*\s*", re.I)
_RANGED_RE = re.compile(r"\([^()]*\d")  # a range or limit in brackets its reading did not meet ("26 °C (Soll 19–22)")
# What a report's verdict on its readings names: "Thresholds breached: none", "Keine Alarme", "no alerts".
_ALERT_NOUNS = frozenset("""
alert alerts alarm alarms threshold thresholds breach breaches breached limit limits warning warnings alarme alarmes
alertes alerte seuil seuils grenzwert grenzwerte warnungen alarma alarmas alertas alerta umbral umbrales avisos
allarmi allarme avvisi soglie soglia alarmen drempels waarschuwingen alarmy alerty progi ostrzeżeń ostrzeżenia
тревог тревоги предупреждений порогов тривог попереджень порогів uyarı alarm eşik peringatan ambang
""".split())
# "all" before an all-is-well word: "all within limits", "alles im grünen Bereich", "Усі показники в межах норми".
_ALL_WORDS = frozenset("all alle alles tous toutes tout todos todas todo tutti tutte tutto wszystkie wszystko все всё "
                       "всі усі tüm semua kaikki allt".split())


def _none_beside_alerts(tokens: list[str], vocab: QuietVocabulary) -> bool:
    """"no alerts", "Keine Alarme", "alerts: none", "thresholds breached: none" (not "do not repeat alerts")."""
    words = vocab.none.words
    for i, token in enumerate(tokens):
        if token in _ALERT_NOUNS and ((i and tokens[i - 1] in words) or words.intersection(tokens[i + 1 : i + 3])):
            return True
    return False


def readings_verdict(parts: list[str], vocab: QuietVocabulary) -> bool:
    """Whether a report passes its own verdict on its readings: a clause (a label with its value) that says none
    about alerts or thresholds ("Thresholds breached: none", "Keine Alarme") or that all is within the norm ("All
    readings within limits", "Усі показники в межах норми"). Its bare readings ("cpu 12%", "диск 40 %") need no
    range of their own then."""
    for i in range(0, len(parts), 2):
        clause = parts[i]
        if i + 2 < len(parts) and parts[i + 1].strip().startswith(LABEL_ENDS):
            clause += " " + parts[i + 2]
        tokens = word_tokens(clause.lower())
        if len(tokens) > MAX_CLAUSE_WORDS or NONZERO_RE.search(bare_clause(clause)):
            continue
        if not _ALERT_NOUNS.isdisjoint(tokens) and _none_beside_alerts(tokens, vocab):
            return True
        if not _ALL_WORDS.isdisjoint(tokens) and vocab.well.found(tokens, clause) and not vocab.negations.intersection(
                tokens):
            return True
    return False


def _none_before_trouble(tokens: list[str], clause: str, vocab: QuietVocabulary) -> bool:
    """Whether a none word stands right beside a trouble word ("no response", "keine Verbindung", "связи нет"; not
    "Reply 'stocked' if nothing needs reordering"), or a trouble word of a script without spaces is there."""
    trouble = vocab.trouble.words
    if not trouble.isdisjoint(tokens):
        none = vocab.none.words
        return any((a in none and b in trouble) or (a in trouble and b in none) for a, b in zip(tokens, tokens[1:]))
    return vocab.trouble.found((), clause)


WARNING_MARKS = ("⚠", "🚨", "🔴", "❗", "‼", "🆘")  # an item flagged as trouble, unless its clause says none

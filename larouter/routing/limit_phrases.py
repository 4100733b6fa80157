"""Phrasings of a limit rewritten into the form `stated_limits.py` reads, and the clause helpers both use.

A checklist bounds a reading by a figure it gave before ("failed_count was 2 after the NFS hiccup; tell me if it's
higher than that") or puts the operator after the figure ("CAP at 85% or above means I need to order disks"): each
such line is read as well in the form the operators read ("… failed_count is higher than 2", "CAP ≥ 85%").
"""

from __future__ import annotations

import re

from larouter.routing.due import last_match
from larouter.routing.limit_vocab import unit_dimension

# The operators in words and signs, in the languages the readers know (`readings._ABOVE`, `_BELOW` read a report's
# own brackets; these read an instruction's clause).
ABOVE_OPS = ("over", "above", "exceeds", "exceed", "exceeding", "more than", "greater than", "higher than", "beyond",
             "reaches", "reach", "hits", "hit", "greater than or equal to", "more than or equal to",
             "past", ">", ">=", "≥", "at least", "longer than", "slower than", "bigger than", "larger than", "hotter than",
             "warmer than", "heavier than", "über", "ueber", "mehr als", "größer als", "groesser als", "höher als",
             "wärmer als", "waermer als", "heißer als", "plus chaud que", "más caliente que", "più caldo di", "warmer dan",
             "mindestens", "übersteigt", "überschreitet", "plus de", "au-dessus de", "dépasse", "dépasser", "dépassent",
             "supérieur à", "supérieure à", "au moins", "más de", "por encima de", "mayor que", "supera", "superar",
             "al menos", "como mínimo", "acima de", "mais de", "maior que", "passar de", "passa de", "pelo menos",
             "sopra", "oltre", "più di", "superiore a", "almeno", "boven", "meer dan", "groter dan", "hoger dan",
             "minstens", "sube de", "sube del", "suba de", "suba del", "powyżej", "więcej niż", "większy niż",
             "większa niż", "przekracza", "co najmniej", "över", "mer än", "minst", "выше", "более", "больше")
BELOW_OPS = ("below", "under", "less than", "lower than", "fewer than", "<", "<=", "≤", "at most", "shorter than",
             "less than or equal to", "drops to", "falls to",
             "faster than", "smaller than", "cooler than", "colder than", "unter", "weniger als", "kleiner als",
             "kälter als", "kaelter als", "kühler als", "plus froid que", "más frío que", "più freddo di", "kouder dan",
             "niedriger als", "höchstens", "unterschreitet", "moins de", "en dessous de", "sous", "baja de", "baja del",
             "baje de", "baje del", "bajar de", "inférieur à", "inférieure à", "au plus", "menos de", "por debajo de", "menor que", "como máximo", "abaixo de",
             "no máximo", "sotto", "meno di", "inferiore a", "al massimo", "onder", "minder dan", "kleiner dan",
             "lager dan", "hoogstens", "poniżej", "mniej niż", "mniejszy niż", "mniejsza niż", "co najwyżej",
             "mindre än", "högst", "ниже", "менее", "меньше")
AGE_OPS = ("older than", "älter als", "plus vieux que", "plus ancien que", "plus ancienne que", "más antiguo que",
           "más antigua que", "mais antigo que", "più vecchio di", "più vecchia di", "ouder dan", "starsze niż",
           "starszy niż", "äldre än")
WITHIN_OPS = ("within", "innerhalb von", "dans moins de", "en menos de")
# Operators whose bound itself is on the healthy side of an alert's ("at least 20%": 20 is within).
INCLUSIVE_OPS = frozenset({">=", "≥", "<=", "≤", "at least", "at most", "reaches", "reach", "hits", "hit",
                           "greater than or equal to", "more than or equal to", "less than or equal to", "drops to",
                           "falls to", "mindestens", "höchstens", "au moins",
                           "au plus", "al menos", "como mínimo", "como máximo", "pelo menos", "no máximo", "almeno",
                           "al massimo", "minstens", "hoogstens", "co najmniej", "co najwyżej", "minst", "högst"})
# Where a clause starts: the words of a condition, the marks between clauses.
_CLAUSE_RE = re.compile(r"(?:^|[,;:(\[—–•*]|\s-\s|\b(?:if|when|whenever|once|unless|and|or|wenn|sobald|si|quand"
                        r"|lorsque|cuando|se|quando|als|jeśli|если|ou|oder|o|om|eller|och|lub|albo)\b)"
                        r"(?![^,;:(\[]*\b(?:if|when|whenever|wenn|si|quand|cuando|se|quando)\b)", re.I)
SENTENCE_RE = re.compile(r"[.!?;]\s|\n")
PRONOUN_RE = re.compile(r"\b(?:it|it's|its|that|this|es|il|elle|ello|esso|essa|het|to|оно)\b", re.I)


def last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    return last_match(pattern.finditer(text))


def last_end(pattern: re.Pattern[str], text: str) -> int:
    m = last(pattern, text)
    return m.end() if m is not None else 0


def clause_of(before: str) -> str:
    """The clause an operator closes: the words after the last clause mark or condition word before it."""
    start = 0
    for m in _CLAUSE_RE.finditer(before):
        start = m.end()
    return before[start:][-60:]


def rewritten_lines(text: str) -> list[str]:
    """The instructions' lines in the form the operators read, each rewritten in place (numbers in words to figures:
    "forty-five", "half an hour", "vijf"; operators after their figure before it: "85% or above", "30 % unterschreitet";
    "no backup in the last 26 hours" as an age), then after them what a line bounds in other ways: a figure or a range
    a reading must keep to ("must be 2", "between 18 and 24 °C", "wsrep_cluster_size = 3") as two bounds, a figure it
    gave before ("… was 2 …; tell me if it's higher than that"). (Each pattern runs only on a line whose words it
    needs: run on every line of a check-in, they cost ~50 us.)"""
    lines = text.splitlines()
    for i, line in enumerate(list(lines)):
        lower = line.lower()
        if "ty-" in lower and _COMPOUND_RE.search(lower):  # "forty-five minutes" (review 23)
            line = lines[i] = _COMPOUND_RE.sub(lambda c: str(_NUMBERS[c[1].lower()] + _NUMBERS[c[2].lower()]), line)
            lower = line.lower()
        if "half an hour" in lower or "half a day" in lower:
            line = lines[i] = re.sub(r"half an? (hour|day)", lambda h: "30 minutes" if h[1] == "hour" else "12 hours",
                                     line, flags=re.I)
            lower = line.lower()
        if _worded(lower):
            line = lines[i] = _ONE_RE.sub(r"\g<1>1 ", _NUMBER_WORD_RE.sub(_digits, line))
        elif _DIGIT_RE.search(line) is None:
            continue  # (the other phrasings hold a figure)
        if " or " in lower and any(f" or {op}" in lower for op in _POSTFIX_OPS):
            line = lines[i] = _POSTFIX_RE.sub(_prefixed, line)
        if "schreitet" in lower or "übersteigt" in lower or "erreicht" in lower:  # "wenn … 30 % unterschreitet"
            line = lines[i] = _VERB_AFTER_RE.sub(lambda v: f"{_VERB_OPS[v[2].lower()]} {v[1]}", line)
        if "no " in lower and (" last " in lower or " past " in lower):
            line = lines[i] = _NONE_IN_RE.sub(r"the last \1 older than \2", line)
        if any(map(lower.__contains__, _MODALS)) or any(map(lower.__contains__, _BETWEEN_WORDS)):
            lines += _equalities(line)  # "connected_slaves must be 2", "… between 18 and 24 °C": news on either side
        if " = " in line or " == " in line:  # ("wsrep_cluster_size = 3": what it must read, v45)
            lines += [f"{k['key']} must not be {side} {k['n']}" for k in _KEY_EQUALS_RE.finditer(line)
                      for side in ("above", "below")]
        if any(map(lower.__contains__, _BASELINE_WORDS)) and (bound := _baseline(line)):
            lines.append(bound)
    return lines


def _baseline(line: str) -> str:
    """A bound a line gives by a figure it said before, written out ("failed_count was 2 …; tell me if it's higher
    than that": "tell me if failed_count's higher than 2"), or ""."""
    m = _BASELINE_RE.search(line)
    was = last(_WAS_RE, line[: m.start()]) if m is not None else None
    if m is None or was is None:
        return ""
    subject = clause_of(was[1]).strip(" -*")
    start = last_end(SENTENCE_RE, line[: m.start()])
    lead = PRONOUN_RE.sub(lambda _: subject, line[max(start, was.end()): m.start()], count=1)
    op = m[1].lower() if m[1].lower() in _WORD_OPS else f"{m[1].lower()} than"
    unit = was[3] if was[3] and (was[3] == "%" or unit_dimension(was[3].lower())[0]) else ""
    return f"{lead}{op} {was[2]} {unit}"


_POSTFIX_OPS = ("above", "over", "more", "higher", "greater", "below", "under", "less", "lower", "fewer")
_BASELINE_WORDS = (" than that", " than this", " than before", " than then", "above that", "over that",
                   "below that", "under that", "above this", "over this", "below this", "under this")


def _worded(lower: str) -> bool:
    """Whether a line (lower-cased) may hold a number in words after an operator."""
    words = set(lower.split())  # (a number word comes before its unit: "more than five minutes")
    if words.isdisjoint(_NUMBER_WORDS) and not ({"a", "an", "one"} & words and any(map(lower.__contains__, _TIME_NOUNS))):
        return False
    return _WORDED_RE.search(lower) is not None


def worded(text: str) -> bool:
    """Whether the text may state a number in words after an operator ("more than five minutes")."""
    lower = text.lower()
    return (any(_worded(line) for line in lower.splitlines()) or "half a" in lower
            or ("ty-" in lower and _COMPOUND_RE.search(lower) is not None))


def number_of_word(word: str) -> int:
    """The number a word names in the languages read ("three", "drei", "twelve"), or 0."""
    return _NUMBERS.get(word.lower(), 0)


def _digits(m: re.Match[str]) -> str:
    return f"{m[1]}{_NUMBERS[m[2].lower()]}"


def _prefixed(m: re.Match[str]) -> str:
    above = m[2].lower() in ("above", "over", "more", "higher", "greater")
    return f"{'≥' if above else '≤'} {m[1]}"


_WORD_OPS = frozenset({"above", "over", "below", "under"})
_BASELINE_RE = re.compile(r"\b(higher|more|greater|bigger|larger|lower|less|fewer|smaller|above|over|below|under)"
                          r"\s+(?:than\s+)?(?:that|this|before|then)\b", re.I)
_WAS_RE = re.compile(r"([^\W\d][\w.\- ]{0,60}?)\s+(?:was|were|is|are|stood at|sat at|has been|war|était)\s+(?:at\s+)?"
                     r"([+−-]?\d+(?:[.,]\d+)?)\s*(%|[^\W\d_]{1,12})?", re.I)
# A figure, then its operator ("85% or above", "20 °C or below", "3 or more").
_POSTFIX_RE = re.compile(r"(?<![\w.,])(?:at\s+)?([+−-]?\d+(?:[.,]\d+)?\s?(?:%|°\s?[CF]|[^\W\d_]{1,12})?)\s+or\s+"
                         r"(above|over|more|higher|greater|below|under|less|lower|fewer)\b", re.I)

# Numbers in words after an operator ("more than five minutes", "größer als null", "tra meno di due settimane",
# "fewer than thirty days"), and "a day" after one ("less than a day old"); not an article elsewhere.
_NUMBERS = {w: n for n, words in enumerate((
    "zero null nul zéro cero", "", "two zwei deux dos due twee dois duas dwa två", "three drei trois tres tre drie três trzy tre",
    "four vier quatre cuatro quattro quatro cztery fyra", "five fünf cinq cinco cinque vijf pięć fem",
    "six sechs seis sei zes sześć sex", "seven sieben sept siete sette zeven sete siedem sju",
    "eight acht huit ocho otto oito osiem åtta", "nine neun neuf nueve nove negen dziewięć nio",
    "ten zehn dix diez dieci tien dez dziesięć tio")) for w in words.split()}
_NUMBERS |= {"one": 1, "eleven": 11, "twelve": 12, "zwölf": 12, "douze": 12, "doce": 12, "dodici": 12, "twaalf": 12, "fifteen": 15,
             "fünfzehn": 15, "quinze": 15, "quince": 15, "quindici": 15, "vijftien": 15, "twenty": 20, "zwanzig": 20,
             "vingt": 20, "veinte": 20, "venti": 20, "twintig": 20, "vinte": 20, "thirty": 30, "dreißig": 30,
             "trente": 30, "treinta": 30, "trenta": 30, "dertig": 30, "trinta": 30, "forty": 40, "fifty": 50,
             "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100}
_AFTER_OPERATOR = r"(\b(?:than|als|dan|que|de|di|niż|än|over|above|under|below|within|exceeds?|least|most|tra|in)\s+)"
_NUMBER_WORD_RE = re.compile(_AFTER_OPERATOR + r"(" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + r")\b", re.I)
_ONE_RE = re.compile(_AFTER_OPERATOR + r"(?:a|an|one)\s+(?=(?:day|week|hour|minute|month)s?\b)", re.I)
_WORDED_RE = re.compile(r"\b(?:than|als|dan|que|de|di|niż|än|over|above|under|below|within|exceeds?|least|most|tra|in)"
                        r"\s+[^\W\d]", re.I)
# None of something in a window ("there's been no backup in the last 26 hours"): the last one older than it.
_NONE_IN_RE = re.compile(r"\bno\s+([^\W\d]+(?:\s[^\W\d]+)?)\s+(?:in|within|during|for)\s+the\s+(?:last|past)\s+"
                         r"(\d+(?:[.,]\d+)?\s?[^\W\d_]{1,12})", re.I)
_TIME_NOUNS = ("day", "week", "hour", "minute", "month")
_NUMBER_WORDS = frozenset(_NUMBERS)
_DIGIT_RE = re.compile(r"\d")
# A reading bound to one figure or a range ("connected_slaves must be 2", "müssen bei 0 bleiben", "should stay
# between 18 and 24 °C", "soll 18-24 °C sein", "humidity between 40 and 60%"): read as not above it and not below it.
_FIGURE = r"[+−-]?\d+(?:[.,]\d+)?"
_UNIT = r"\s?(?:%|°\s?[CF]\b|[^\W\d_]{1,12})"
_EQUALS_RE = re.compile(r"(?:\b(?P<modal>must|should|has to|have to|needs? to|müssen|muss|sollte|soll|moeten|moet|doit"
                        r"|doivent|debe|deben|deve|devono|ska|musi)\s+(?:(?:be|stay|remain|equal|bleiben|sein|zijn|blijven"
                        r"|être|rester|ser|estar|ficar|rimanere|essere|vara|być|liegen)\s+)?(?:(?:at|bei|op|à|en|a|på"
                        r"|exactly|genau|between|zwischen|entre|tra|tussen|między|mellan)\s+)?"
                        r"(?:(?P<key>[A-Za-z][\w.-]{1,40})\s?==?\s?)?"  # ("every slave must be at lag=0", review 23)
                        r"|\b(?:between|zwischen|entre|tra|tussen|między|mellan)\s+)"
                        rf"(?P<n>{_FIGURE})(?:(?P<u1>{_UNIT})(?=\s?(?:-|–|to|and|und|et|y|e|en|i|och|bis)\s?[+−-]?\d))?"
                        rf"(?:\s?(?:-|–|to|and|und|et|y|e|en|i|och|bis)\s?(?P<m>{_FIGURE}))?"
                        rf"(?P<unit>{_UNIT})?(?!\d|[.,]\d)(?=(?P<rest>.{{0,24}}))", re.I)
_BETWEEN_WORDS = ("between", "zwischen", "entre", " tra ", "tussen", "między", "mellan")


def _equalities(line: str) -> list[str]:
    """Each figure or range a reading must keep to on the line, as two bounds ("… must not be above 2", "… must not
    be below 2"), its subject the clause before it (review 23: every one on the line, not the first alone)."""
    out: list[str] = []
    start = 0
    for m in _EQUALS_RE.finditer(line):
        lead, start = line[start: m.start()], m.end()
        between = m["modal"] is None
        if between and m["m"] is None or _NOT_EQUAL_RE.match(m["rest"]):
            continue  # (a bound, an age, "between 18 and" cut short)
        unit = _unit(m["unit"]) or _unit(m["u1"])
        if unit and unit_dimension(unit.strip().lower())[0] == "time":
            continue  # ("3 days old at most")
        subject = m["key"] or clause_of(lead).strip(" -*,:;") or lead.strip(" -*,:;")
        modal = m["modal"] or "must"
        low, high = m["n"], m["m"] or m["n"]
        out += [f"{subject} {modal} not be above {high}{unit}", f"{subject} {modal} not be below {low}{unit}"]
    return out


# A key set to the figure it must read ("wsrep_cluster_size = 3", "connected_slaves == 2").
_KEY_EQUALS_RE = re.compile(r"(?<![\w.-])(?P<key>[A-Za-z][\w.-]{2,60})\s==?\s(?P<n>[+−-]?\d+(?:[.,]\d+)?)(?!\d|[.,]\d|\s?[-:/])")
# (spaced, as a person writes it: "tour=4400 anomalies=0" is a report's own line, not what a reading must be)
_MODALS = ("must", "should", "has to", "have to", "need to", "needs to", "müss", "muss", "soll", "moet", "doi", "deb", "dev", "ska",
           "musi")
# What follows a figure that makes it no one value: an age, a bound, a range said otherwise.
_NOT_EQUAL_RE = re.compile(r"\s*(?:old|ago|away|left|behind|or\b|at (?:most|least)|max|min|tops|and (?:above|below|up"
                           r"|under|over)|\+|or (?:less|more))", re.I)


def _unit(unit: str | None) -> str:
    """A figure's unit as written, when it is one ("%", "°C", "GB"; not "0 bleiben")."""
    if not unit or not (unit.strip() in ("%",) or unit.strip().startswith("°") or unit_dimension(
            unit.strip().lower())[0]):
        return ""
    return unit
# A German operator as the verb after its figure ("wenn battery.charge 30 % unterschreitet", review 23).
_VERB_AFTER_RE = re.compile(r"([+−-]?\d+(?:[.,]\d+)?\s?(?:%|°\s?C|[^\W\d_]{1,12})?)\s+(unterschreitet|überschreitet"
                            r"|übersteigt|erreicht)\b", re.I)
_VERB_OPS = {"unterschreitet": "unter", "überschreitet": "über", "übersteigt": "über", "erreicht": "≥"}
_COMPOUND_RE = re.compile(r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(one|two|three|four|five|six|seven|eight|nine)\b",
                          re.I)

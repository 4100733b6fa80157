"""Readings a status report already judged: "unyevu wa udongo 32% (kawaida)", "서버 TPS 20 (정상)", "20,5 °C
(Sollbereich 19–22)". A number is news unless something says it is fine; here the report says so itself, in brackets
right after it: an all-is-well word (`[routing.classifier.quiet_report] well_words`: normal, ok, kawaida, 정상, ...)
or a range the value lies in. A threshold alone ("182 ms (seuil 400 ms)") is read only where the reading's own line
says which side is bad (`within_thresholds`): a use, load, latency or error count is bad above it, what is left or in
stock below it; elsewhere a minimum and a maximum look the same.
"""

from __future__ import annotations

import re

from larouter.routing.compiled import QuietVocabulary, ascii_part
from larouter.routing.tokens import word_tokens

# A value, an optional unit ("%", "°C", "m/s", "ms"), then its verdict in brackets.
_JUDGED_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s?(?:%|٪|°\s?[CF]?|[^\W\d_]{1,4}(?:/[^\W\d_]{1,3})?)?\s*\(([^()]{1,60})\)")
_RANGE_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:-|–|—|to|bis|à|a|до|ile)\s*(\d+(?:[.,]\d+)?)")
_ASIDE_RE = re.compile(r"\(([^()\n]{1,80})\)")
_ASIDE_SEPARATORS = str.maketrans({",": " ", ";": " ", "·": " ", "|": " ", "—": "-", "–": "-"})


def keep_asides(text: str) -> str:
    """The text with the clause separators inside short brackets made plain ("(Sollbereich 19–22)", "(planned, ends
    04:00)"): an aside belongs to the clause it stands in. A decimal comma stays ("(lag 0,3 s)" is no "0 3")."""
    if "(" not in text:
        return text
    return _ASIDE_RE.sub(_plain_aside, text)


_DECIMAL_COMMA_RE = re.compile(r"(?<=\d),(?=\d)")


def _plain_aside(m: re.Match[str]) -> str:
    aside = m.group(0)
    if "," not in aside or _DECIMAL_COMMA_RE.search(aside) is None:
        return aside.translate(_ASIDE_SEPARATORS)
    return ",".join(part.translate(_ASIDE_SEPARATORS) for part in _DECIMAL_COMMA_RE.split(aside))


def judged_normal(clause: str, vocab: QuietVocabulary) -> str:
    """The clause with each reading its brackets call normal, or keep short of the alert they state, replaced by
    "ok"; other text as it was."""
    if "OK" in clause:
        clause = _HTTP_OK_RE.sub(" ok ", clause)  # "website: 200 OK": a status code that says all is well
    if "(" not in clause and "[" not in clause:
        return clause
    if any(map(clause.__contains__, _OPERATORS)):
        clause = _ALERT_RE.sub(lambda m: m.group(0) if _alerting(m) else " ok ", clause)
    if "(" in clause:
        clause = _JUDGED_RE.sub(lambda m: " ok " if _normal(m.group(1), m.group(2), vocab) else m.group(0), clause)
    return _within_sided_limits(clause) if "(" in clause or "[" in clause else clause


_HTTP_OK_RE = re.compile(r"(?<![\w.])(?:HTTP/?[\d.]*\s)?2\d\d\s?OK\b")
# A reading with, in brackets beside it, the condition that would raise an alert: "0.02% [alert > 1%]", "12 (alerta
# > 500)", "212 ms (warn if > 900 ms)", "(p95 180 ms; alerta > 800 ms)", "61% db-1:/var [alert > 85%]"; or the
# condition under which it is normal: "-4 °C (normal ≤ -15)", "(target < 60)". Unlike a bare threshold, the operator
# says which side is bad: a reading on the good side is fine, one on the other is news.
_ALERT_WORDS = ("alert", "alerta", "alerte", "alarm", "alarme", "allarme", "alarma", "warn", "aviso", "avviso",
                "crit", "page", "notify", "peringatan", "waarschuwing", "varning", "uyarı", "предупрежд", "тревог",
                "replace", "swap", "recharge", "refill", "restock", "reorder",  # (an action due past a bound)
                "tell", "let me know", "ping me", "message me")  # ("29.6 °C (tell me if above 27 °C)", review 24)
_NORMAL_WORDS = ("normal", "target", "expected", "ok", "soll", "norm", "normale", "nominal", "objetivo", "cible", "норма")
_UNIT = r"(?:%|٪|°\s?[CF]?|[^\W\d_]{1,4}(?:/[^\W\d_]{1,3})?)?"
_NUMBER = r"([+−-]?\d+(?:[.,]\d+)?)"
_OPERATORS = (">", "<", "≥", "≤")
_NORMAL_GATE = tuple(w for w in _NORMAL_WORDS if w != "ok")  # ("ok" is in every HEARTBEAT_OK)
# The operators in words ("Alarm über −15 °C", "alert above 6 °C", "alerte en dessous de 10 %"), in 14 languages.
_ABOVE = ("above", "over", "more than", "exceeds", "exceed", "passes", "goes past", "climbs past", "reaches", "hits",
          "über", "ueber", "ab",
          "mehr als", "au-dessus de", "au dessus de", "plus de",
          "sobre", "más de", "acima de", "mais de", "sopra", "oltre", "boven", "powyżej", "выше", "более", "üzerinde",
          "di atas", "trên")
_BELOW = ("below", "under", "less than", "unter", "weniger als", "en dessous de", "au-dessous de", "moins de", "bajo",
          "por debajo de", "menos de", "abaixo de", "sotto", "onder", "poniżej", "ниже", "менее", "altında", "di bawah",
          "dưới")
_WORDED_OPERATORS = _ABOVE + _BELOW
_ALERT_RE = re.compile(r"(?<![\w.,:/-])" + _NUMBER + r"\s?" + _UNIT + r"(?:\s+[^\s()\[\]]{1,24})?"  # "61% db-1:/var"
                       r"\s*(?:[(\[]\s*|[;,—–-]?\s+)((?:" + "|".join(_ALERT_WORDS) + r")\w*|"
                       + "|".join(_NORMAL_WORDS) + r")\.?\s*(?:(?:if|when|at|on|si|wenn|bei|quando|cuando|se|jika)\s*)?"
                       r"(?:[^\W\d]+(?:'[^\W\d]+)?\s+){0,5}?"  # "alert once it is below 20 %", "tell me if it's above"
                       r"[:=]?\s*(>=?|<=?|≥|≤|" + "|".join(_ABOVE + _BELOW) + r")\s*[$€£]?" + _NUMBER + r"\s?" + _UNIT
                       + r"\s*(?:[)\]]|(?=[.;,!]|\s*$|\s*\n))", re.I)  # (bracketed, or said after a dash to its
# clause's end: "— tell me if above 27 °C, otherwise stay quiet", review 27)


def number(text: str) -> float:
    """A matched number: groups of three digits after a comma are thousands ("55,000", "1,204,000"), another comma
    is a decimal one ("3,5", "0,300"), the minus sign (U+2212) is "-"."""
    text = text.replace("−", "-")
    if _GROUPED_RE.fullmatch(text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


_GROUPED_RE = re.compile(r"-?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?")


def _alerting(m: re.Match[str]) -> bool:
    value, word, op, bound = number(m.group(1)), m.group(2).lower(), m.group(3).lower(), number(m.group(4))
    op = ">" if op in _ABOVE else "<" if op in _BELOW else op
    met = {">": value > bound, ">=": value >= bound, "≥": value >= bound,
           "<": value < bound, "<=": value <= bound, "≤": value <= bound}[op]
    return not met if word in _NORMAL_WORDS else met


def short_of_alert(text: str, at: int) -> bool:
    """Whether the reading at `at` has an alert condition beside it that it does not meet ("31 (alert > 400)")."""
    m = _ALERT_RE.match(text, at) if "<" in text or ">" in text or "≤" in text or "≥" in text else None
    return m is not None and not _alerting(m)


def alert_met(text: str) -> bool:
    """Whether a reading meets the alert condition its brackets state ("disk 91% [alert > 85%]")."""
    return any(_alerting(m) for m in _ALERT_RE.finditer(text))


# "(not normal)", "(nicht normal)": a verdict with a negation is no all-is-well.
_NEGATIONS = frozenset("not nicht pas non не ні nie değil tidak bukan không ei ikke inte niet nem nu δεν לא لا".split())


def _normal(value: str, verdict: str, vocab: QuietVocabulary) -> bool:
    words = word_tokens(verdict.lower())
    if _NEGATIONS.intersection(words) or vocab.none.found(words, verdict) or vocab.trouble.found(words, verdict):
        return False
    if vocab.well.found(words, verdict):
        return True
    span = _RANGE_RE.search(verdict)
    if span is None:
        return _at_setpoint(value, verdict)
    low, high, x = (number(v) for v in (span.group(1), span.group(2), value))
    return low <= x <= high


# A setpoint in brackets ("21,0 °C (Soll 21 °C)", "20.6 °C (setpoint 21)"): a reading within SETPOINT_TOLERANCE of it
# (absolute, or relative when larger) is where it should be.
_SETPOINT_RE = re.compile(r"^\s*(?:soll(?:wert)?|setpoint|set point|target|consigne|objetivo|cible|obiettivo|doel"
                          r"|zadan[aeoy]|уставка)\s*[:=]?\s*([+−-]?\d+(?:[.,]\d+)?)\s?(?:%|°\s?[CF]?|[^\W\d_]{1,4})?\s*$",
                          re.I)
SETPOINT_TOLERANCE = (1.0, 0.05)


def _at_setpoint(value: str, verdict: str) -> bool:
    m = _SETPOINT_RE.match(verdict)
    if m is None:
        return False
    x, target = number(value), number(m.group(1))
    return abs(x - target) <= max(SETPOINT_TOLERANCE[0], abs(target) * SETPOINT_TOLERANCE[1])


# Limits stated in the turn ("thresholds: cpu<85 mem<90 disk<90", "disk <= 90%") and readings of the same names
# ("disk=94%", "disk: 94 %"): a reading on the wrong side of its own limit is news, whatever idle reply is asked.
_LIMIT_RE = re.compile(r"(?<![\w.])([^\W\d_][\w.-]{0,30}?)\s?(<=?|>=?|≤|≥)\s?(\d+(?:\.\d+)?)")
_READING_RE = re.compile(r"(?<![\w.])([^\W\d_][\w.-]{0,30}?)\s?[=:]\s?(\d+(?:\.\d+)?)(?![\d.])")


# The same in words, a maximum or a minimum ("temperatura máx. 26 °C", "battery min 20 %"), and a reading of that name
# written plainly ("temperatura 31,4 °C"): a threshold word alone stays unread (see the module's docstring).
_MAX_WORDS = ("max", "máx", "maximum", "máximo", "massimo", "maximal", "höchstens", "макс", "максимум")
_MIN_WORDS = ("min", "mín", "minimum", "mínimo", "minimo", "minimal", "mindestens", "мин", "минимум")
# Matched from the limit word (a name-first pattern tried a 30-character name at every position: ~70 us a turn);
# the name is then read just before it.
_LIMIT_WORD_RE = re.compile(r"(?<!\w)(" + "|".join(_MAX_WORDS + _MIN_WORDS) + r")\.?\)?\s?[=:]?\s?(\d+(?:[.,]\d+)?)(?!\d)",
                            re.I)
_NAME_BEFORE_RE = re.compile(r"(?<![\w.])([^\W\d_][\w-]{0,30})\s?\(?$")
_PLAIN_READING_RE = re.compile(r"(?<![\w.])([^\W\d_][\w-]{0,30}?)\s?[=:]?\s?(\d+(?:[.,]\d+)?)(?![\d]|[.,]\d)")


_WORD_STARTS = ("max", "máx", "min", "mín", "höchstens", "mindestens", "макс", "мин")  # every limit word starts so
_LIMIT_GATE = ("<", ">", "≤", "≥", *_WORD_STARTS, *_ALERT_WORDS, *_NORMAL_GATE)
_LIMIT_GATE_ASCII = ascii_part(_LIMIT_GATE)


def _limit_words(text: str, lower: str) -> list[re.Match[str]]:
    """The limits in words, matched only where a limit word starts (the limit pattern run over the whole turn cost
    ~14 us, a case-insensitive scan for the words alone ~17) and a number follows within a few characters ("every
    30 min): check" is none)."""
    found = []
    for word in _WORD_STARTS:
        start = lower.find(word)
        while start >= 0:
            if not (start and text[start - 1].isalnum()) and any(c.isdigit() for c in text[start + 3 : start + 16]):
                m = _LIMIT_WORD_RE.match(text, start)
                if m is not None:
                    found.append(m)
            start = lower.find(word, start + 1)
    return found


# A threshold in brackets right after a reading ("94%（しきい値 90%）", "412 ms (threshold 300 ms)"): read only where
# the reading's own words say which side is bad, a use or load (a maximum) or what is left (a minimum).
_THRESHOLD_WORDS = ("threshold", "seuil", "schwelle", "schwellenwert", "umbral", "limiar", "soglia", "drempel", "порог",
                    "しきい値", "閾値", "阈值", "閾值", "임계값", "임계치", "eşik", "ambang",
                    # an alert level without a sign ("vence em 61 dias (alerta em 15)", "(warn at 80%)")
                    "alert", "alerta", "alerte", "alarm", "alarme", "warn", "warning", "aviso", "avviso", "warnung")
# ("78% used (warn at 75%)", review 24)
_BRACKETED_RE = re.compile(r"(?<![\w.])([+−-]?\d+(?:[.,]\d+)?)\s?(?:%|٪|°\s?[CF]?|[^\W\d_]{1,6})?"
                           r"(?:\s(used|in use|full|free|left|available|avail|remaining|charged|belegt|frei|utilisé|libre"
                           r"|restante|disponible|usado|usato|ocupado|occupato))?\s*(?:[(（]|\s[—–]|\s-(?=\s))\s*(?:"
                           + "|".join(_THRESHOLD_WORDS) + r")(?:\s+[^\W\d_]{1,12}){0,2}\s*[:：]?\s*([+−-]?\d+(?:[.,]\d+)?)"
                           r"\s?(?:%|٪|°\s?[CF]?|[^\W\d_]{1,4})?\s*(?:[)）]|(?=[.;,!](?:\s|$)|\s*$|\s*\n))", re.I)  # ("(seuil de
# commande : 100 kg)"; or after a dash to its clause's end: "41 % used — warn at 85 %.", review 27)
_THRESHOLD_ASCII = ascii_part(_THRESHOLD_WORDS)
_MAX_KIND = ("usage", "util", "load", "unsuccess", "balancer", "fridge", "freez", "kühl", "gefrier", "congel",
             "frigo", "vriez", "koel", "latenc", "latenz", "error", "erreur", "fehler", "errore", "erros", "temp",
             "cpu", "memory", "ram:", "ram ", "mémoire", "speicher", "memoria", "disk", "disque", "disco", "queue",
             "backlog", "lag", "5xx", "p95", "p99", "response time", "使用率", "使用量", "負荷", "遅延", "温度", "エラー", "占用",
             "负载", "延迟", "사용률", "auslastung", "belegt", "uso ", "ocupa", "utilisation", "charge", "загруз", "использ",
             "ошибк", "помилк", "задержк", "затримк", "отставан", "диск", "памят", "пам'ят", "процессор", "нагрузк",
             "очеред", "черг", "температур")
_MIN_KIND = ("free", "left", "remaining", "expir", "vence", "venc", "scade", "läuft ab", "истека", "спливає",
             "available", "availability", "uptime", "success", "batter", "akku",
             "balance", "stock", "inventor", "lager", "estoque", "existencia", "scorte", "空き", "残量", "残り", "剩余", "余额",
             "잔량", "在庫", "库存", "재고", "frei", "libre", "restant", "disponible", "свобод", "заряд", "запас", "остат",
             "залиш")


# A limit in brackets that says its own side: "31.5°C(上限 28°C)", "88% (max 80%)", "12% (下限 20%)", "(최대 70)".
_UPPER_WORDS = ("上限", "最大", "最高", "상한", "최대", "max", "máx", "maximum", "upper limit", "höchstens", "макс", "slo",
                "limit", "limite", "límite", "grenze", "grenzwert", "grens", "grense", "gräns", "grænse", "limiet", "limită",
                "hranice", "sınır")  # ("CPU %22 (sınır %80)": Turkish writes the percent sign first)
_LOWER_WORDS = ("下限", "最小", "最低", "하한", "최소", "min", "mín", "minimum", "lower limit", "mindestens", "мин", "минимум",
                "мінімум", "mínimo", "minimo", "minst", "minimaal", "vähintään", "en az", "कम से कम", "కనీసం")
# Matched from each bracket (a value-first pattern tried at every digit cost ~17 us a turn): the limit inside it, then
# the reading just before it.
_SIDED_RE = re.compile(r"[(（\[]\s*(" + "|".join(_UPPER_WORDS + _LOWER_WORDS)
                       + r")\.?\s*[:：=]?\s*[%٪]?(\d+(?:[.,]\d+)?)(?!\d)", re.I)
_VALUE_BEFORE_RE = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)?)\s?(?:%|٪|°\s?[CF]?|[^\W\d_][^\s\d(),;:]{0,11})?"
                              r"(?:\s(?:used|in use|full|belegt|utilisé|usado|usato|занято))?\s*$")
# (a unit of up to 12 characters, marks included: "4 cartons", "120 కిలోలు"; "61% used")
# A reading out of a total ("9.6 / 32 GiB", "1.8 / 8 cores"): the part is the reading, not the total.
_PART_OF_RE = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)?)\s?(?:[^\W\d_]{1,4})?\s?/\s?$")


def _reading_before(text: str, at: int) -> tuple[int, float] | None:
    """Where the reading just before `at` (a bracket) starts, and its value; None when none is there."""
    value = _VALUE_BEFORE_RE.search(text, max(0, at - 32), at)
    if value is None:
        return None
    part = _PART_OF_RE.search(text, max(0, value.start() - 16), value.start())
    return (part.start(), number(part.group(1))) if part is not None else (value.start(), number(value.group(1)))
# What an ASCII text can hold of them (a scan of all 20 cost ~4 us a turn): "limi" for limit, limite, limiet; "gren"
# for grens, grense, grenze, grenzwert
_SIDED_ASCII = ("max", "min", "limi", "slo", "gren", "hranice")
_SIDED_GATE = (*_SIDED_ASCII, "sınır", "上限", "最大", "最高", "상한", "최대", "máx", "höchstens", "макс", "下限", "最小", "最低", "하한",
               "최소", "mín", "мин", "мін", "límite", "gräns", "grænse", "limită", "vähintään", "कम से कम", "కనీసం")


def _past_bracketed_limit(text: str) -> bool:
    """Whether a reading lies past the maximum or minimum its own brackets give ("室温 31.5°C(上限 28°C)", "61% used
    [limit 85%]")."""
    for bracket in "(（[":
        at = text.find(bracket)
        while at >= 0:
            m = _SIDED_RE.match(text, at)
            found = _reading_before(text, at) if m is not None else None
            if m is not None and found is not None:
                reading, bound = found[1], number(m.group(2))
                if reading > bound if _upper(m.group(1), text, at) else reading < bound:
                    return True
            at = text.find(bracket, at + 1)
    return False


def _upper(word: str, text: str, at: int) -> bool:
    """Whether the limit word at `at` bounds its reading from above: an SLO does unless the reading's line names
    what is good high ("30-day availability 99.97% (SLO 99.9%)": a floor)."""
    word = word.lower()
    return word in _UPPER_WORDS and not (word == "slo" and _bad_side(text.lower(), at) == "min")


def _within_sided_limits(clause: str) -> str:
    """The clause with each reading inside the maximum or minimum its brackets give replaced by "ok" ("180 ms (SLO
    400 ms)", "1.9 bar (max 2.5 bar)", "61% used [limit 85%]")."""
    for bracket, close in (("(", ")"), ("[", "]")):
        at = clause.find(bracket)
        while at >= 0:
            m = _SIDED_RE.match(clause, at)
            found = _reading_before(clause, at) if m is not None else None
            closing = clause.find(close, at)
            if m is not None and found is not None and closing > 0:
                reading, bound = found[1], number(m.group(2))
                if reading <= bound if _upper(m.group(1), clause, at) else reading >= bound:
                    clause = clause[:found[0]] + " ok " + clause[closing + 1:]
                    at = found[0]
            at = clause.find(bracket, at + 1)
    return clause


def _bad_side(lower: str, at: int) -> str:
    """Which side of a threshold is bad for the reading at `at`, by the words before it on its line: "min" for what
    is left ("free", "в наличии"), "max" for a use, load, latency or error count, "" when they do not say."""
    before = lower[max(0, lower.rfind("\n", 0, at) + 1, at - _KIND_REACH):at]
    before = before[max(map(before.rfind, _CLAUSE_MARKS)) + 1:]  # (its own clause: "uptime 41 d, CPU 95 % — alarm
    # at 90 %" names no uptime for the CPU, review 28)
    bare = before
    for w in _SHADOWING:  # (a word of the bad-high kind that holds one of the bad-low kind: "freezer" is no "free",
        bare = bare.replace(w, " ")  # review 25)
    if any(w in bare for w in _MIN_KIND):
        return "min"
    return "max" if any(w in before for w in _MAX_KIND) else ""


_KIND_REACH = 48  # characters before a reading where its name is looked for
_CLAUSE_MARKS = (",", ";", "·", "|", "•")
# The words of the bad-high kind that hold a word of the bad-low one ("freez" holds "free"): read before it.
_SHADOWING = tuple(w for w in _MAX_KIND if any(m in w for m in _MIN_KIND))


def _bracketed_side(lower: str, m: re.Match[str]) -> str:
    """Which side of its bracketed threshold is bad for a reading: the state written after it says so ("15% free
    (warn at 20%)", "78% used (…)", review 24), else its name (`_bad_side`)."""
    if m.group(2):
        return "min" if m.group(2).lower() in _FREE_STATES else "max"
    return _bad_side(lower, m.start())


_FREE_STATES = frozenset({"free", "left", "available", "avail", "remaining", "charged", "frei", "libre", "restante",
                          "disponible"})


def _over_bracketed_threshold(text: str, lower: str) -> bool:
    """Whether a reading lies past the threshold its own brackets give, on the side its name says is bad; above it
    where the name says nothing ("Server room: 29.6 °C — warn at 27 °C", "Humidity 71 % (warn at 65 %)": an alert
    level is most often a ceiling, and reading one wrongly only asks the model; never to call a reading fine)."""
    for m in _BRACKETED_RE.finditer(text):
        side, value, bound = _bracketed_side(lower, m) or "max", number(m.group(1)), number(m.group(3))
        if (side == "min" and value < bound) or (side == "max" and value > bound):
            return True
    return False


def within_thresholds(text: str) -> str:
    """The text with each reading on the good side of the bare threshold its brackets give replaced by "✅ ok" (a line
    with nothing to report, as status boards mark one), where its line says which side is bad ("ошибки 5xx: 0.02%
    (порог 1%)", "farine : 340 kg (seuil de commande : 100 kg)"); other readings as they were."""
    lower = text.lower()
    if "(" not in text and "（" not in text or not any(
            map(lower.__contains__, _THRESHOLD_ASCII if lower.isascii() else _THRESHOLD_WORDS)):
        return text
    kept, end = [], 0
    for m in _BRACKETED_RE.finditer(text):
        side, value, bound = _bracketed_side(lower, m), number(m.group(1)), number(m.group(3))
        if (side == "min" and value >= bound) or (side == "max" and value <= bound):
            kept += (text[end:m.start()], " ✅ ok ")
            end = m.end()
    return "".join(kept) + text[end:] if kept else text


def breaks_a_limit(text: str) -> bool:
    """Whether a named reading lies outside a limit the turn states for the same name (`disk=94%` with `disk<90`,
    `temperatura 31,4 °C` with `temperatura máx. 26 °C`), or past a threshold in its brackets on the side its name
    says is bad ("ディスク使用率 94%（しきい値 90%）")."""
    lower = text.lower()
    plain = lower.isascii()  # (then only the ASCII words and signs can be in it)
    if "(" in text or "（" in text or "—" in text or "–" in text or " - " in text:
        if any(map(lower.__contains__, _THRESHOLD_ASCII if plain else _THRESHOLD_WORDS)) and _over_bracketed_threshold(
                text, lower):
            return True
        if any(map(lower.__contains__, _SIDED_ASCII if plain else _SIDED_GATE)) and _past_bracketed_limit(text):
            return True
    if not any(map(lower.__contains__, _LIMIT_GATE_ASCII if plain else _LIMIT_GATE)):
        return False  # (the gate holds the alert and normal words too)
    symbols = "<" in text or ">" in text or "≤" in text or "≥" in text
    if (("(" in text or "[" in text or "—" in text or "–" in text or " - " in text) and (symbols or any(map(
            lower.__contains__, _ALERT_WORDS))
                                          or (any(map(lower.__contains__, _NORMAL_GATE))
                                              and any(map(lower.__contains__, _WORDED_OPERATORS))))
            and alert_met(text)):  # "disk 91% [alert > 85%]", "−8,4 °C (Alarm über −15 °C)"
        return True
    limits = [(m.group(1).lower(), m.group(2), float(m.group(3))) for m in _LIMIT_RE.finditer(text)] if symbols else []
    worded = []  # (name, op, bound, span)
    for m in _limit_words(text, lower):
        name = _NAME_BEFORE_RE.search(text, max(0, m.start() - 34), m.start())
        if name is not None:
            op = "<=" if m.group(1).lower() in _MAX_WORDS else ">="
            worded.append((name.group(1).lower(), op, number(m.group(2)), (name.start(), m.end())))
    limits += [(name, op, bound) for name, op, bound, _ in worded]
    if not limits:
        return False
    readings: dict[str, list[float]] = {}
    for m in _READING_RE.finditer(text):
        readings.setdefault(m.group(1).lower(), []).append(float(m.group(2)))
    if worded:  # plainly written readings count for the names limited in words, outside those limits' own words
        spans = [span for *_, span in worded]
        named = {name for name, *_ in worded}
        for m in _PLAIN_READING_RE.finditer(text):
            if m.group(1).lower() in named and not any(a <= m.start() < b for a, b in spans):
                readings.setdefault(m.group(1).lower(), []).append(number(m.group(2)))
    for name, op, bound in limits:
        for value in readings.get(name, ()):
            ok = {"<": value < bound, "<=": value <= bound, "≤": value <= bound,
                  ">": value > bound, ">=": value >= bound, "≥": value >= bound}[op]
            if not ok:
                return True
    return False

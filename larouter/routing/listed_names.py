"""The things a check-in's checklist lists by name, and a lookup that shows some of them but not all.

"Paperless stack on `dock2`, these containers should all be running: traefik, authelia, paperless-webserver,
paperless-db" then `docker ps`: a container that is not running is not in the listing at all, so no line of it reads
as trouble (blind v44). A checklist's list of three or more names, each one word ("paperless-db", `web-1`,
"nas.local"), is what the lookups are expected to show: a lookup that shows at least two of them (it lists that kind of
thing) and leaves one out is news; so is `df` without a mount point its call names ("df -h / /backup" printing "/"
twice: /backup is not mounted, review 22), and a dump whose key the checklist says must read a word and reads another
("wsrep_local_state_comment = Synced" beside "Donor/Desynced", review 23).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from larouter.routing.expected_counts import BOTH
from larouter.routing.statustime import clock_line


def listed_names(instructions: str) -> tuple[tuple[str, ...], ...]:
    """Each list of three or more one-word names in the instructions, lower-cased: on a line ("a, b, c", "a, b and
    c", "a / b / c", "a & b & c", "`a` `b` `c`"), as a bullet or numbered list of one name an item, or as a range of
    numbered hosts ("web01–web04"; review 24)."""
    found = [*_bulleted(instructions), *_ranges(instructions), *_pairs(instructions)]
    if not any(map(instructions.__contains__, _LIST_MARKS)):
        return tuple(found)
    for line in instructions.splitlines():
        seps = (line.count(",") + (len(_SLASH_RE.findall(line)) if "/" in line else 0) + line.count("&")
                + line.count("` `") + line.count(" + "))
        if not seps or seps < 2 and " and " not in line and " or " not in line or clock_line(line):
            continue  # ("a, b, c", "a, b and c"; not a clock line's "Thursday, April 30th, 2026")
        line = _ASIDE_RE.sub("", line).replace("` `", "`, `")  # ("pg-1 (leader)", "(restart policy: …)", review 23)
        tail = line.rsplit(":", 1)[-1] if ": " in line else line
        for part in _SENTENCE_RE.split(tail):
            if not any(map(part.__contains__, _LIST_MARKS)):
                continue  # (a list of three holds a separator)
            names = _run([n.strip(" `'\"*").lower() for n in _SEPARATOR_RE.split(part.strip(" .;-*"))])
            if len(names) >= 3:
                found.append(names)
    return tuple(found)


_LIST_MARKS = (",", "/", "&", "` `", " + ")


def _pairs(instructions: str) -> list[tuple[str, ...]]:
    """Two names said to be both ("nextcloud and nextcloud-db containers should both be running", "web1 und web2
    müssen beide laufen"; review 25): a list of two, read only so."""
    if not any(map(instructions.lower().__contains__, BOTH)):
        return []
    found: list[tuple[str, ...]] = []
    for m in _PAIR_RE.finditer(instructions):
        names = (m[1].lower(), m[2].lower())
        if all(_NAME_RE.fullmatch(n) and n not in _WORDS for n in names) and names[0] != names[1]:
            found.append(names)
    return found


_PAIR_RE = re.compile(r"(?<![\w.@-])`?([\w.@-]{2,41})`?\s+(?:and|und|et|y|e|en|i|и|&)\s+`?([\w.@-]{2,41})`?"
                      r"(?:\s+[^\W\d_]+){0,3}?\s+(?:both|beide|beiden|tous les deux|tous deux|ambos|ambas|entrambi"
                      r"|entrambe|allebei|oba|оба)\b", re.I)


def _bulleted(instructions: str) -> list[tuple[str, ...]]:
    """Each run of three or more list items that are one name each ("- traefik", "2. `paperless-db`")."""
    found: list[tuple[str, ...]] = []
    run: list[str] = []
    last = -1
    for m in _BULLET_NAME_RE.finditer(instructions):
        name = m[1].lower()
        if not _NAME_RE.fullmatch(name) or name in _WORDS or m.start() != last + 1:
            if len(run) >= 3:
                found.append(tuple(run))
            run = []
        if _NAME_RE.fullmatch(name) and name not in _WORDS:
            run.append(name)
        last = m.end()
    if len(run) >= 3:
        found.append(tuple(run))
    return found


def _ranges(instructions: str) -> list[tuple[str, ...]]:
    """Each range of numbered names ("web01–web04", "node1-node5", "db-1..db-3", "web01 through web04", "web0[1-4]",
    "web{01..04}"), spelt out. Read from each place a number is joined to another (a pattern led by a digit is found
    at ~2 us a check-in; one led by a letter cost ~16), back to the start of its name."""
    found: list[tuple[str, ...]] = []
    for op in _RANGE_OP_RE.finditer(instructions):
        start = max(instructions.rfind(c, max(0, op.start() - 40), op.start()) for c in " \t\n(,;:/`'\"") + 1
        if not instructions[start:start + 1].isalpha():
            continue  # (a date, a time: "2026-04-30", "02:00-04:00")
        if (m := _SET_RE.match(instructions, start)) is not None:
            first, last, prefix, other = int(m[2]), int(m[3]), m[1], None
        elif (m := _RANGE_RE.match(instructions, start)) is not None:
            first, last, prefix, other = int(m[2]), int(m[4]), m[1], m[3]
        else:
            continue
        if other and other.lower() != prefix.lower() or not 2 <= last - first <= 31:
            continue
        width = len(m[2]) if m[2].startswith("0") else 1
        names = tuple(f"{prefix.lower()}{n:0{width}d}" for n in range(first, last + 1))
        if names not in found:
            found.append(names)
    return found


# Where a number is joined to another: "01–web04", "1-4]", "01..04", "01 through web04".
_RANGE_OP_RE = re.compile(r"\d[\]}]?[ \t]*(?:–|—|-|\.\.|to|through|thru|bis)[ \t]*[A-Za-z-]*[\[{]?\d")
# An item that is one name, perhaps in backticks or bold, perhaps with a note after it ("- traefik (reverse proxy)",
# "- authelia — SSO", "- paperless-db: postgres", "- **traefik**"; review 25).
_BULLET_NAME_RE = re.compile(r"(?m)^[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t]+(?:\*\*|`)?([\w.@-]{2,41})(?:\*\*|`)?"
                             r"(?:[ \t]*(?:\([^()\n]{0,60}\)|[—–:][^\n]{0,60}|-[ \t][^\n]{0,60}))?[ \t]*$")
_SET_RE = re.compile(r"(?<![\w.-])([a-z][\w-]*?)[\[{](\d{1,3})(?:-|\.\.)(\d{1,3})[\]}]", re.I)
_RANGE_RE = re.compile(r"(?<![\w.-])([a-z][a-z-]*?)[\[{]?(\d{1,3})[ \t]*(?:–|—|-|\.\.|to|through|thru|bis)[ \t]*"
                       r"([a-z][a-z-]*?)?(\d{1,3})[\]}]?(?![\w.])", re.I)  # ("web01 through web04", "web0[1-4]",
# "web{01..04}"; review 25)


def _run(items: list[str]) -> tuple[str, ...]:
    """The names of a list written inside a sentence: its first item is the last word of what comes before it, its
    last the first word of what follows ("tell me if any of pg1, pg2, pg3 is down": pg1, pg2, pg3; review 22); the
    ones between are single words (a list of plain words is read only at the starts of a lookup's lines:
    `missing_name`)."""
    if len(items) < 3 or not (first := items[0].split()):
        return ()
    names = [first[-1]]
    for item in items[1:]:
        words = [w for w in item.split() if w not in _ARTICLES]  # ("and the gotenberg container")
        if not words:
            return ()
        names.append(words[0])
        if len(words) > 1:
            break  # (what follows the list: "pg3 is down")
    if len(names) < 3 or not all(_NAME_RE.fullmatch(n) and n not in _WORDS for n in names):
        return ()
    return tuple(names)


def missing_name(lists: Iterable[tuple[str, ...]], text: str) -> str:
    """The first name of a list that a lookup's `text` leaves out while it shows two or more of the list, or ""."""
    lower = text.lower()
    for names in lists:
        # A list of plain words ("traefik, authelia or vaultwarden"; "alle Türen, Fenster und das Garagentor") is read
        # only where a line starts with them, as a listing's rows do (not Home Assistant's "names: Fenster Küche").
        row = "" if any(_IDENT_RE.search(n) for n in names) else r"(?m)^[ \t|*•-]*"
        stacks = {n: {m[1] or "" for m in re.finditer(rf"{row}(?<![\w.-])(?:([\w.]+[-_])?{re.escape(n)}[-_]\d{{1,2}}|"
                                                       rf"{re.escape(n)})(?![\w-])", lower)} for n in names}
        # (compose v2's "paperless-db-1" shows "paperless-db" or "db"; "authelia-redis" shows no "redis", review 27)
        shown = [n for n in names if _in_stack(stacks[n], stacks)]
        if (len(shown) >= 2 or len(names) == 2 and shown) and len(shown) < len(names):  # (a pair said to be both:
            return next(n for n in names if n not in shown)  # one of it shown is the other missing)
    return ""


def _in_stack(found: set[str], stacks: dict[str, set[str]]) -> bool:
    """Whether a name is shown: on its own, or as a compose service of the project two or more of the list's other
    names are shown in ("app, db, redis and cron" with nextcloud-app-1 … beside paperless-db-1: no "db"; review 27)."""
    if not found or "" in found:
        return bool(found)
    projects = Counter(p for names in stacks.values() if names is not found for p in names if p)
    common = [p for p, k in projects.items() if k >= 2]
    return not common or not found.isdisjoint(common)


def absent_things(instructions: str) -> tuple[str, ...]:
    """The words naming what the instructions alert on being absent: not running, not mounted, not listening, down or
    missing ("tell me if caddy is not running": caddy; "… unless prod is down": prod), read once a check-in."""
    lower = instructions.lower()
    if not any(map(lower.__contains__, _ABSENT_STEMS)):
        return ()  # (no absent state named at all: C-level tests, where reading the words cost ~15 us a check-in)
    found: list[str] = []
    for line in lower.splitlines():
        if _ABSENT_STATES.isdisjoint(w.strip(".:'") for w in _WORD_SPLIT_RE.split(line)):
            continue  # (the pattern tried at every word of a check-in cost ~40 us; a line naming no such state has none)
        for m in _ABSENCE_RE.finditer(line):
            start = max(line.rfind(c, 0, m.start()) for c in ".;!?") + 1
            end = min((e for e in (line.find(c, m.end()) for c in ".;!?") if e >= 0), default=len(line))
            words = (w.strip(".:'") for w in _WORD_SPLIT_RE.split(line[start:end]))
            found += [w for w in words if len(w) >= 3 and w not in _CLAUSE_WORDS]
    return tuple(found)


def absence_asked(absent: Sequence[str], lists: Iterable[tuple[str, ...]], call: str) -> bool:
    """Whether a lookup that found nothing (`triggers.found_nothing`: printed nothing, "0", "No resources found",
    "0 loaded units listed.") is the absence the instructions ask about: its call names a thing they alert on being
    absent (`absent_things`; `pgrep caddy` printing nothing, review 24; not a `gh pr list` beside "… unless prod is
    down"), or names a list holds (`docker ps --filter name=paperless` printing nothing for "paperless-webserver,
    paperless-db and paperless-redis should all be running"); nothing found otherwise reads as quiet (reviews 24-25)."""
    lower = call.lower()
    if any(w in lower for w in absent):
        return True
    return any(re.search(rf"(?<![\w-]){re.escape(n.split('-')[0] if len(n.split('-')[0]) >= 4 else n)}", lower)
               for names in lists for n in names)


_WORD_SPLIT_RE = re.compile(r"[^\w./:']+")
# The states an absence is said in (`_ABSENCE_RE`'s last words): a line without one says none; and their stems.
_ABSENT_STEMS = ("running", "mounted", "listening", " up", "activ", "present", "there", "reachable", "answering",
                 "responding", "down", "missing", "gone", "offline", "crashed", "stopped", "died", "disappear", "läuft",
                 "laufen", "gemountet", "erreichbar", "tourne", "répond", "corriendo", "montad")
_ABSENT_STATES = frozenset("""
running mounted listening up active present there reachable answering responding down missing gone offline crashed
stopped died disappears disappear läuft laufen gemountet erreichbar tourne répond corriendo montado montada activo
activa
""".split())
# Words of an absence's clause that name no thing a lookup asks for.
_CLAUSE_WORDS = frozenset("""
tell let know ping alert message notify the and any all not isn't aren't has have was were are been running mounted
listening active present there reachable answering responding stops stop down missing gone offline crashed stopped
died should must needs need when whenever unless sag bescheid wenn der die das nicht mehr läuft laufen avísame si el
la los las no está esté están corriendo
""".split())
_ABSENCE_RE = re.compile(r"(?:\b(?:not|no longer)|n't)\s+(?:been\s+)?(?:running|mounted|listening|up|active|present|there"
                         r"|reachable|answering|responding)\b|\bstops?\s+(?:running|listening|answering|responding)"
                         r"|\b(?:is|are|goes|went|has|have)\s+(?:down|missing|gone|offline|crashed|stopped|died)\b"
                         r"|\bdisappears?\b|\bnicht\s+(?:mehr\s+)?(?:läuft|laufen|gemountet|erreichbar)"
                         r"|\bne\s+(?:tourne|répond)\s+plus\b|\bno\s+(?:está|esté|están)\s+(?:corriendo|montad|activ)"
                         r"|\b(?:should|must|needs? to)\s+be\s+(?:running|mounted|up|listening)\b", re.I)  # (review 25)
_SENTENCE_RE = re.compile(r"[.;!?](?:\s|$)")
_SEPARATOR_RE = re.compile(r"\s*(?:,|\s/|(?<=[\w`])/(?=[\w`])|&|\s\+)\s*(?:and\s+|or\s+|und\s+|et\s+|y\s+)?"
                           r"|\s+(?:and|or|und|et|y)\s+")
# A slash between two names ("traefik/authelia"), not in a path ("/srv/media", "./x") nor a ratio ("1/2").
_SLASH_RE = re.compile(r"(?<=[a-z`])/(?=[a-z`])|\s/\s", re.I)
_NAME_RE = re.compile(r"[a-z0-9][\w.@-]{1,40}")
_IDENT_RE = re.compile(r"[\d_.-]")
_ASIDE_RE = re.compile(r"\s*\([^()]*\)")
_ARTICLES = frozenset({"the", "a", "an", "der", "die", "das", "le", "la", "les", "el", "los", "il", "de", "het"})
# Words a list of what to do or watch is made of, not names a lookup shows ("disk, memory and load").
_WORDS = frozenset({"and", "or", "the", "a", "if", "when", "then", "check", "disk", "disks", "memory", "cpu", "load",
                    "ram", "swap", "network", "mail", "email", "calendar", "weather", "news", "errors", "warnings",
                    "temperature", "battery", "backups", "logs", "alerts", "updates", "etc"})


def unmounted(call: str, text: str) -> str:
    """A path a `df` call names that its output shows no filesystem mounted on, or ""."""
    m = _DF_RE.search(call)
    if m is None:
        return ""
    mounts = {line.split()[-1] for line in text.splitlines()[1:] if line.split()}
    return next((p for p in m[1].split() if p.startswith("/") and p.rstrip("/") not in mounts and p not in mounts), "")


_DF_RE = re.compile(r"\bdf\s+(?:-\w+\s+)*((?:/[^\s|;&<>\"'\\]*\s*)+)")


def expected_states(instructions: str) -> tuple[tuple[str, str], ...]:
    """Each key the instructions say must read a word ("wsrep_local_state_comment = Synced", "ups.status ska vara
    OL", "STATUS must say ONLINE"), lower-cased, with that word."""
    lower = instructions.lower()
    if not any(map(lower.__contains__, _STATE_OPS)):
        return ()  # (the pattern tried at every word costs ~14 us on a check-in's turn)
    return tuple((m["key"].lower(), m["word"].lower()) for m in _STATE_RE.finditer(instructions)
                 if m["word"].lower() not in _NOT_STATES or m["op"].startswith("="))  # ("wsrep_ready = ON")


def unexpected_state(states: Iterable[tuple[str, str]], text: str) -> str:
    """The first line of a dump where a key the checklist names reads another word than the one it must, or ""."""
    lower = text.lower()
    for key, word in states:
        if key not in lower:
            continue
        for m in re.finditer(rf"(?m)^[ \t]*{re.escape(key)}[ \t]*(?:[:=|\t][ \t]*)+(\S+)", lower):
            if m[1].strip("'\",;") != word:
                return m[0]
    return ""


_STATE_OPS = (" =", "==", "must be", "must say", "must read", "must show", "should be", "should say", "should read",
              "ska vara", " moet ", " muss ", " soll ", "doit être", "debe ser", "deve essere")
_STATE_RE = re.compile(r"(?<![\w.-])(?P<key>[A-Za-z][\w.-]{2,60})\s+(?P<op>==?|must (?:be|say|read|show)|should (?:be|say|read)"
                       r"|ska vara|moet|muss|soll|doit être|debe ser|deve essere)\s+[\"'`«]?(?P<word>[A-Za-z][\w/-]{1,30})",
                       re.I)
# Words after "must be" that are no state a key reads ("must be below 5", "should be fine").
_NOT_STATES = frozenset({"a", "an", "the", "at", "below", "under", "above", "over", "less", "more", "between", "within",
                         "fine", "ok", "okay", "there", "present", "empty", "set", "running", "up", "on", "in", "no",
                         "not", "zero", "none", "lower", "higher", "greater", "older", "newer", "kept",
                         "checked", "reported", "done"})

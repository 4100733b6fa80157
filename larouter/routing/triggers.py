"""A check-in trigger whose tool lookups found nothing: the heartbeat of an agent that checks through its tools.

Agents that poll through tools get a bare stamped turn ("controllo delle 19:30", "poll 1545Z", "ajastatud kontroll
10:00"), call their lookup tools, and then the request to route is the tool results. When the turn that started the
loop is such a trigger (a few words around a time stamp, no question, no request) and every tool result came back
empty (`{"new_orders": [], "total": 0}`, `[]`, "no results"), nothing is left to do but the idle reply. A turn
without a stamp counts when it says what to reply when idle ("Kama hakuna kitu, jibu 'SAWA' tu").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from larouter.routing.asking import QUESTION_MARKS
from larouter.routing.command_output import shell_output
from larouter.routing import textjson
from larouter.routing.compiled import CJK_RE, COMMENT_RE, Compiled
from larouter.routing.limits import BAND_KEYS, LIMITS_KEYS, within_own_limits
from larouter.routing.payload import OK_VALUES, STATUS_KEYS, healthy
from larouter.routing.quiet import asks_idle_reply, says_none
from larouter.routing.statustime import STAMP_RE
from larouter.routing.turns import Turn, read_content
from larouter.routing.tokens import word_tokens

TRIGGER_MAX_WORDS = 4  # words of a stamped trigger besides its stamps, zones and counters
TRIGGER_MAX_CHARS = 120  # a longer text is no bare trigger (checked first: the turn may be 100 KB)
MAX_RESULTS = 6  # tool results read (a long tool loop is work anyway; the cost must not grow with it): a check-in
# reads its HEARTBEAT.md and runs a few commands (blind v45: five results, never learned at four)
MAX_RESULT_CHARS = 2000  # a longer tool result holds something
_ZULU_RE = re.compile(r"(?<!\d)(?:[01]\d|2[0-3])[0-5]\dZ\b|#\d{2,}")  # "1545Z" (aviation, radio); "sweep #9103"
_ZONE_RE = re.compile(r"[A-Z]{2,5}|#\d+|[+-]\d{2}:?\d{2}")  # "EDT", "UTC", "#31", "+01:00"
_REQUESTS = frozenset({"please", "remind", "book", "send", "call", "set", "schedule", "order", "buy", "pay", "cancel",
                       "move", "meet", "deploy", "run", "start", "stop", "restart", "find", "search"})


def stamped_trigger(text: str, rules: Compiled) -> bool:
    """A few words around a time stamp, asking nothing ("controllo delle 19:30"), not "remind me at 10:00"."""
    if len(text) > TRIGGER_MAX_CHARS:
        return False
    words = [w for w in text.split() if any(c.isalnum() for c in w)  # "·", "—", "⏰" are no words; nor stamps, zones
             and not (STAMP_RE.fullmatch(w.strip("()[],")) or _ZONE_RE.fullmatch(w.strip("()[],")))]  # and counters
    if (not words or len(words) > TRIGGER_MAX_WORDS or not (STAMP_RE.search(text) or _ZULU_RE.search(text))
            or text.rstrip().endswith(QUESTION_MARKS)):
        return False
    found = set(word_tokens(text.lower()))
    return found.isdisjoint(rules.hb_openers) and found.isdisjoint(_REQUESTS) and "me" not in found


ACK_TRIGGER_MAX_WORDS = 40  # a stamped poll naming the idle token is short; a longer turn is someone's message
ACK_TRIGGER_MAX_CHARS = 600


def ack_trigger(text: str, rules: Compiled) -> bool:
    """A stamped turn that names an idle token ("Automatic check (02:15): check alerts; if nothing, reply
    HEARTBEAT_OK", in any language): with every lookup it started empty, the token is the answer."""
    if len(text) > ACK_TRIGGER_MAX_CHARS or "?" in text or len(text.split()) > ACK_TRIGGER_MAX_WORDS:
        return False
    lower = text.lower()  # cheapest tests first: the stamp pattern is a long alternation
    named = any(t in lower for t in rules.hb_ack_tokens) or (any(map(text.__contains__, rules.hb_ack_token_hints))
                                                             and rules.hb_ack_token_rx.search(text) is not None)
    if not ((named and (STAMP_RE.search(text) or _ZULU_RE.search(text))) or asks_idle_reply(text, rules.quiet)):
        return False  # unstamped, it must say how to reply when idle ("Kama hakuna kazi, jibu 'SAWA' tu")
    found = word_tokens(lower)
    return (bool(found) and found[0] not in rules.hb_openers and rules.hb_problem.isdisjoint(found)
            and _REQUESTS.isdisjoint(found) and not any(c.search(text, lower) for c in rules.hb_requests)
            and not (CJK_RE.search(text) and rules.hb_request_cjk.search(text, lower)
                     and not rules.hb_idle_condition_cjk.search(text, lower)))  # ("HEARTBEAT.md を新しく作ってほしい。…
    # 何もなければ HEARTBEAT_OK で黙ってて": a request to write one, blind v48)


def _empty(value: Any, key: str = "") -> bool:
    """JSON that holds nothing: empty containers, zeros, false, null, blank strings, all the way down; a status
    that says all is well ("status": "success") and a time stamp ("checked_at": "2025-09-08T16:00:02+02:00", when
    the lookup ran) hold nothing either, nor records that each report themselves fine (`payload.healthy`)."""
    if isinstance(value, Mapping):
        return all(_empty(v, str(k)) for k, v in value.items()) or fine_record(value)
    if isinstance(value, list):  # nothing, or records that each report themselves fine (hosts "ok", quotes in band)
        return not value or all(isinstance(v, Mapping) and fine_record(v) for v in value)
    if isinstance(value, str):
        text = value.strip()
        return (not text or (key.lower() in STATUS_KEYS and text.lower() in OK_VALUES)
                or STAMP_RE.fullmatch(text) is not None or (key.lower() in _QUERY_KEYS and " " not in text))
    return value in (None, False, 0) or (key.lower() in _PAGING_KEYS and isinstance(value, int))


# A lookup's paging, not its answer ({"incidents": [], "limit": 25, "offset": 0, "more": false}).
_PAGING_KEYS = frozenset({"limit", "offset", "page", "per_page", "page_size", "pagesize", "max_results", "maxresults",
                          "top", "skip"})


# Keys a lookup echoes its query under ({"mailbox": "INBOX", "unread": 0, "messages": []}): what was looked at.
_QUERY_KEYS = frozenset({"mailbox", "folder", "label", "calendar", "calendar_id", "query", "q", "filter", "account",
                         "repo", "repository", "symbol"})


_TEXT_WORDS = 3  # a value of more words is free text ("cert expires in 2 days"), fewer a name ("ex-dividend 2026-06-12")
BAD_WORDS = frozenset("not no never expired expires expiring failed failing broken error down stuck late overdue "
                      "blocked halted refund complaint urgent full nearly pending degraded missed missing offline low "
                      "warning critical unreachable".split())


def _free_text(value: str) -> bool:
    words = value.lower().replace(",", " ").split()
    return len(words) > _TEXT_WORDS or not BAD_WORDS.isdisjoint(words)


_ATTENTION_STEMS = tuple("""
unresolved missed flag need expir overdue late stale stuck block reject bounce declin retry retries backlog queue open
unanswer unread todo remaining offline down unhealthy unreachable warn critical degrad lost missing stop crash restart
voicemail violation breach drift pending waiting new error fail alert alarm incident due unrepl await firing dispute
chargeback review_request dms low_stock out_of_stock 5xx 4xx high severe major cve vuln lockout locked_out update
problem issue regression dead exceed change escalat noncompliant timeout conflict oom
falh fallid fallos fehl échec echec erreur erro ошиб помил hata 失败 失敗 错误 錯誤 エラー 오류 실패
未読 未读 未処理 未处理 待处理 pendiente pendente
""".split())


def attention_key(key: str) -> bool:
    """Whether a key counts things that need attention (a substring test: faster than one long regex, ~2 us)."""
    return any(map(key.lower().__contains__, _ATTENTION_STEMS))


def fine_record(record: Mapping[str, Any]) -> bool:
    """A record that reports itself fine (`payload.healthy`) and says nothing else: its other fields are numbers,
    stamps, names and ids (no free text: "note": "cert expires in 2 days"; no flag set: "halted": true). Review 14
    found records read as fine whatever else they said."""
    if not healthy(record) or holds_items(record):
        return False
    for key, value in record.items():
        if str(key).lower() in STATUS_KEYS or value is None or value is False:
            continue
        if isinstance(value, str):
            if _free_text(value):
                return False
        elif isinstance(value, bool) or not isinstance(value, (int, float, list, Mapping)):
            return False
        elif isinstance(value, (int, float)) and value > 0 and attention_key(str(key)):
            return False  # a fine status beside "unresolved": 4 (review 17)
        elif (isinstance(value, (list, Mapping)) and not _empty(value, str(key))
              and str(key).lower() not in LIMITS_KEYS | BAND_KEYS):  # (the limits it is judged by)
            return False
    return True


# Keys whose non-empty list holds items to handle, and keys whose positive count is work ("new_orders": 3).
ITEM_LIST_KEY = re.compile(r"new|unread|pending|open|alert|incident|fail|error|overdue|due|order|message|mail|ticket"
                           r"|request|task|booking|reservation|complaint|case|issue|notification|mention|alarm"
                           r"|firing|warning|critical|outage", re.I)
_ITEM_COUNT_KEY = re.compile(r"new|unread|unanswered|unreplied|awaiting|waiting|pending|overdue|alert|incident|fail"
                             r"|error|due|alarm|firing|declined|dispute|chargeback|review_request|dms|low_stock"
                             r"|out_of_stock", re.I)
# A flag set under a key naming trouble ({"water_leak": true}, {"smoke": true}, {"tamper": true}).
TROUBLE_FLAG_KEY = re.compile(r"leak|flood|smoke|fire|alarm|alert|tamper|intrusion|fault|error|fail|offline|halted"
                              r"|siren|panic|sos|emergency|breach|outage|down", re.I)


_FAILED_VALUES = frozenset({"failed", "failure", "error", "down", "red", "critical", "firing", "broken", "degraded"})


_SETTINGS_KEY_RE = re.compile(r"(?:settings?|config(?:uration)?|options|preferences?)$|default[A-Z_]", re.I)


def settings_key(key: str) -> bool:
    """A key that holds a setting the lookup echoes ("config", "defaultReminders"), not its answer; never one that
    also names trouble ("configErrors", "options_expiring_today", review 18)."""
    if _SETTINGS_KEY_RE.match(key) is None:
        return False
    rest = key[7:] if key[:7].lower() == "default" else key  # ("default" itself holds "fault")
    return not attention_key(rest) and not TROUBLE_FLAG_KEY.search(rest)


def holds_items(value: Any, key: str = "", root: bool = False) -> bool:
    """JSON that holds items to handle: records, as the lookup's whole answer (`[{...}, ...]`) or under any key
    (`"results": [{...}]`, Home Assistant's `"states"`), a non-empty list under an item key, a positive count of new,
    pending or failing things, a failed status, or a reading past the limits its record carries; not records that each
    report a fine state ("services": [{..., "status": "ok"}]) nor a plain tally ("checked": 14)."""
    if isinstance(value, Mapping):  # (a reading past the limits its record carries: news)
        return within_own_limits(value) is False or any(holds_items(v, str(k)) for k, v in value.items())
    if isinstance(value, list):
        if not value or settings_key(key):
            return False  # (a setting's list: Google Calendar's "defaultReminders" are no reminders due)
        if any(isinstance(v, Mapping) and not _empty(v) and not healthy(v) for v in value):
            return True  # records: messages, bookings, signals, entity states (not hosts reported ok)
        return bool(ITEM_LIST_KEY.search(key)) or any(holds_items(v) for v in value if isinstance(v, Mapping))
    if isinstance(value, str):
        return key.lower() in STATUS_KEYS and value.strip().lower() in _FAILED_VALUES
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value > 0 and bool(_ITEM_COUNT_KEY.search(key))
    return value is True and bool(TROUBLE_FLAG_KEY.search(key))


@attrs.frozen
class Lookup:
    """One tool result after the turn: its text (first MAX_RESULT_CHARS + 1 characters) and its JSON, if it is."""

    text: str
    data: Any = None  # the parsed JSON; None for text or JSON cut short
    call: str = ""  # the tool call it answers: its name and arguments (first _CALL_CHARS characters)

    @classmethod
    def of(cls, text: str, call: str = "") -> Lookup:
        """A lookup of `text`, its JSON parsed when it holds some."""
        return cls(text, json_of(text) if text[:1] in ("[", "{") else None, call)

    @property
    def is_json(self) -> bool:
        return self.data is not None

    @property
    def reads_checklist(self) -> bool:
        """Whether the call read the check-in's checklist file (`read {"path": "HEARTBEAT.md"}`, `cat HEARTBEAT.md`)."""
        name, _, arguments = self.call.partition(" ")
        if "heartbeat.md" not in arguments.lower():
            return False
        data = json_of(arguments) if arguments[:1] == "{" else None
        if not isinstance(data, Mapping):
            return False
        values = [str(v).strip() for v in data.values() if isinstance(v, (str, int))]
        if _READS_RE.search(name.lower()) is not None and all(  # read {"path": "HEARTBEAT.md"} and nothing else
                v.lower().endswith("heartbeat.md") or v.isdigit() or v.lower() in _READ_MODES for v in values):
            return True
        command = str(data.get("command") or data.get("cmd") or "")
        return _CAT_RE.fullmatch(command.strip()) is not None  # `cat HEARTBEAT.md`, not `cat HEARTBEAT.md; df -h`


def lookups(messages: Sequence[Any], turn: Turn) -> list[Lookup]:
    """The first MAX_RESULTS tool results after the turn, each read and parsed once (a long tool loop is work
    anyway; the cost must not grow with it), and an empty one in place of the rest when there are more."""
    out: list[Lookup] = []
    calls: dict[str, str] = {}
    for msg in messages[turn.index + 1 :]:
        if not isinstance(msg, Mapping):
            continue
        role = msg.get("role")
        if role == "assistant" and isinstance(msg.get("tool_calls"), list):
            calls.update(_calls(msg["tool_calls"]))
        if role not in ("tool", "function"):  # ("function": the legacy form)
            continue
        if len(out) >= MAX_RESULTS:
            out.append(Lookup(""))  # one more than is read: a tool loop (`lookup_news` reads it as such)
            break
        text = read_content(msg.get("content"), MAX_RESULT_CHARS + 1, 0)[0].strip()
        call = calls.get(str(msg.get("tool_call_id")), "") if role == "tool" else str(msg.get("name") or "")
        result = Lookup.of(text, call)
        if (output := shell_output(result.data)) is not None:  # (a shell tool's record: its output is the answer)
            result = Lookup.of(output, call)
        out.append(result)
    return out


_CALL_CHARS = 300
_READS_RE = re.compile(r"(?:^|_)(?:read\w*|cat|view|open|load|get)(?:_|$)|^read")  # a tool that reads a file
_READ_MODES = frozenset({"utf-8", "utf8", "text", "r", "true", "false"})
# A shell command that only prints the checklist (review 20: "cat HEARTBEAT.md; backup-status" prints more).
_CAT_RE = re.compile(r"(?:cat|head(?:\s+-n\s*\d+)?|less|more|type|get-content)\s+['\"]?(?:[\w.~/-]*/)?HEARTBEAT\.md['\"]?",
                     re.I)


def _calls(tool_calls: list[Any]) -> dict[str, str]:
    """Each tool call's id and what it asked: its function's name and arguments."""
    found: dict[str, str] = {}
    for call in tool_calls:
        function = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(function, Mapping):
            found[str(call.get("id"))] = f"{function.get('name')} {function.get('arguments')}"[:_CALL_CHARS]
    return found


def json_of(text: str) -> Any:
    """The JSON a tool result is, or opens with before other text (`[{"reason": "mention", …}]` then "--- issue #58
    body ---": the records are the lookup's answer); None when it does not parse or nests too deeply (`textjson`)."""
    if len(text) <= MAX_RESULT_CHARS:
        data = textjson.loads(text)
        if data is not None:
            return data
    found = textjson.leading(text)
    if found is None:
        return None
    data, end = found
    return data if end < len(text) and text[end].isspace() else None


def found_items(results: Sequence[Lookup]) -> str:
    """The first lookup that holds items to handle: JSON as `holds_items` reads it, a command's output that lists mail,
    chat lines or pull requests (`_TEXT_ITEM_RE`); "" when none does. Other text results (a HEARTBEAT.md read) are the
    due-task reader's (`classifier._tasks_read`)."""
    return next((r.text for r in results
                 if (holds_items(r.data, root=True) if r.is_json else _TEXT_ITEM_RE.search(r.text))), "")


# A command's output listing things to handle (review 14: a heartbeat whose lookup listed them in text stayed one): a
# mail line (an address and a subject after it), a chat line ("[08:02] Sarah: are you …"), an open pull request
# ("#412  Fix payment webhook retries  …  OPEN", "review requested").
_TEXT_ITEM_RE = re.compile(r"^[^\n]*\b[\w.+-]+@[\w-]+\.(?!(?:service|timer|socket|mount|target|path)\b)[\w.]+\b[ \t>]+"
                           r"\S[^\n]*\b[A-Za-z]{3,}"  # (not a systemd template unit: "postgresql@16-main.service")
                           r"|^[ \t]*\[\d{1,2}:\d{2}(?::\d{2})?\][ \t]+[\w .'-]{1,30}:[ \t]+\S"
                           r"|^[ \t]*#\d+\b[^\n]*\b(?:OPEN|open|review requested|changes requested)\b", re.M)


# Words of a state in trouble in a text lookup (a command's output: "worker-5f8b  0/1  CrashLoopBackOff  14"), read
# with CamelCase names split ("CrashLoopBackOff": crash, loop, back, off) besides the quiet reports' broken states.
_TROUBLE = frozenset({"crash", "error", "errors", "fail", "failure", "failures", "evicted", "oomkilled", "unhealthy",
                      "critical", "fatal"})
_CAMEL_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def troubled_text(results: Sequence[Lookup], rules: Compiled) -> str:
    """The first text lookup (not JSON: that is `found_items`') with a line in trouble that does not say none of it
    ("0 errors", "no failures"), or "" when none has one."""
    for result in results:
        if result.is_json or len(result.text) > MAX_RESULT_CHARS:
            continue
        for line in result.text.splitlines():
            words = {w.lower() for w in _CAMEL_RE.findall(line)}
            if (not _TROUBLE.isdisjoint(words) or not rules.quiet.broken.isdisjoint(words)) and not says_none(
                    line, rules.quiet):
                return result.text
    return ""


def found_nothing(results: Sequence[Lookup], rules: Compiled) -> bool:
    """Whether there were lookups and each came back empty (JSON holding nothing, or a short text saying none)."""
    return bool(results) and all(_nothing(r, rules) for r in results)


def _nothing(result: Lookup, rules: Compiled) -> bool:
    if len(result.text) > MAX_RESULT_CHARS:
        return False
    if result.is_json:
        return _empty(result.data)
    return (not result.text or (len(result.text) <= 80 and says_none(result.text, rules.quiet)
                                and not denies_needed(result.text, rules))
            or effectively_empty(result.text))


# What a service needs to have, so that none of it is news: "No space left on device", "no healthy upstream", "No
# successful backup in 9 days", "Keine Verbindung zur Datenbank", "Healthy hosts: 0" (review 17).
_NEEDED = frozenset("""
successful success heartbeat heartbeats space healthy connection connections verbindung connexion conexión conexão
connessione backup backups sauvegarde sauvegardes sicherung sicherungen copia response responses signal power internet
network upstream available replicas replica quorum leader route dns disk memory
""".split())
_NEEDED_ZERO_RE = re.compile(r"\b(?:healthy|available|ready|online|up|running)\b[^:=\n]{0,20}[:=]\s*0(?![\d.,])", re.I)


def denies_needed(text: str, rules: Compiled) -> bool:
    """Whether a text that says none says it of something a service needs (see `_NEEDED`)."""
    lower = text.lower()
    if _NEEDED_ZERO_RE.search(lower):
        return True
    words = word_tokens(lower)
    return any(w in rules.quiet.none.words and not _NEEDED.isdisjoint(words[i + 1:i + 3]) for i, w in enumerate(words))


_HEADING_RE = re.compile(r"[ \t]*#{1,6}(?:[ \t][^\n]*)?")


def effectively_empty(text: str) -> bool:
    """Whether a file read holds nothing to do: only comments, blank lines and markdown headings (OpenClaw skips
    a heartbeat whose HEARTBEAT.md is so: "<!-- Keep this file empty to skip heartbeat work. -->")."""
    if "<!--" in text:
        text = COMMENT_RE.sub("", text)
    return all(not line.strip() or _HEADING_RE.fullmatch(line) for line in text.splitlines())


# A share the check-in or its checklist says to warn at ("Warn at 85%", "alert above 90 %", "notify me if over 80%"),
# and the shares a command's output reads ("/dev/sdb1  100G  93G  7.0G  93% /var"): one past it is news.
_WARN_AT_RE = re.compile(r"\b(?:warn|alert|alarm|notify|flag|page|ping|tell)\w*(?:\s+(?:me|us|him|her))?\s+(?:at|above|over"
                         r"|past|beyond|when (?:above|over|past)|if (?:above|over|past)|>=?|≥)\s*(\d{1,3}(?:\.\d+)?)\s?%",
                         re.I)
SHARE_RE = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s?%")


def stated_share(results: Sequence[Lookup], text: str) -> float | None:
    """The lowest share the turn or a lookup says to warn at ("Warn at 85%"), or None."""
    if "%" not in text and not any("%" in r.text for r in results):
        return None
    limits = [float(m.group(1)) for source in (text, *(r.text for r in results)) for m in _WARN_AT_RE.finditer(source)]
    return min(limits) if limits else None


def past_stated_share(results: Sequence[Lookup], limit: float | None) -> str:
    """The first text lookup with a share past `limit`, the share the turn or a lookup says to warn at
    (`stated_share`), or "" (none, or no such threshold)."""
    if limit is None:
        return ""
    for result in results:
        if not result.is_json and not _WARN_AT_RE.search(result.text) and any(
                float(m.group(1)) > limit for m in SHARE_RE.finditer(result.text)):
            return result.text
    return ""

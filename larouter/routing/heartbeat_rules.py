"""Configuration for heartbeat, framework-event and continuation detection (shipped defaults).

Patterns are Python regular expressions, matched case-insensitively. A `Gated` pattern only
runs when one of its gate substrings occurs in the lowercased text, which keeps the common
case (no heartbeat vocabulary at all) to a few substring checks.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Gated:
    """A regex that runs only when one of `gate` (lowercase substrings) is in the text; () = always."""

    pattern: str
    gate: tuple[str, ...] = ()


@attrs.frozen
class AckRule:
    """How an idle acknowledgement (HEARTBEAT_OK / NO_REPLY) reads when it is an instruction.

    `before` must match the last `window` characters before the token (it is anchored at the
    token), `after`, when set, the text just after it; the rule is skipped unless one of `gate`
    occurs in that window.
    """

    before: str
    after: str = ""
    window: int = 100
    gate: tuple[str, ...] = ()


_CLAUSE_END = (
    r"[`'\"”]?[ \t]*(?:$|[.!。）)]|[ \t]+(?:if|si|se|wenn|falls|если|only|nur|solo|seulement"
    r"|uniquement|and nothing else)\b)"
)


@attrs.frozen
class HeartbeatRules:
    """Periodic check-ins: how to recognise them and when one has real work due."""

    # Nothing below runs unless one of these is in the lowercased turn.
    gate: tuple[str, ...] = (
        "heartbeat", "no_reply", "periodic", "routine", "check-in", "scheduled", "keep-alive",
        "keepalive", "triggered", "心跳", "ハートビート", "latido",
    )
    ack_tokens: tuple[str, ...] = ("heartbeat_ok", "no_reply")
    acks: tuple[AckRule, ...] = (
        AckRule(
            r"(?:^|[.:;,!?]|\bthen|\bjust|\bplease|\bonly|\bsimply|\botherwise)\s*(?:reply|respond"
            r"|answer|return|say|output)\b[^.\n]{0,40}?",
            window=60, gate=("reply", "respond", "answer", "return", "say", "output"),
        ),
        AckRule(r"\bif (?:nothing|there is nothing|idle|no action)[^.\n]{0,80}?", window=100, gate=("if ",)),
        AckRule(r"(?:回复|回覆|返信|返答|答复)[^。\n]{0,20}?", window=30, gate=("回复", "回覆", "返信", "返答", "答复")),
        # Any language: the token closes a short clause ("..., responda HEARTBEAT_OK.").
        AckRule(
            r"(?:^|[,，:：;；.!?。！？—–]|[ \t]-[ \t])[ \t]*(?:\w+[ \t]+){0,3}?\w+[ \t]*[:：]?[ \t]*[`'\"“]?",
            _CLAUSE_END,
            window=60,
        ),
    )
    polls: tuple[Gated, ...] = (
        Gated(r"\b(?:read|check|review|follow|open|consult|load|scan)\s+(?:the\s+)?(?:following\s+)?`?heartbeat\.md\b",
              ("heartbeat.md",)),
        Gated(r"\bheartbeat\s+(?:poll|check|tick|ping|prompt|run|wake|cycle|event|monitor|scratch)\b", ("heartbeat",)),
        Gated(r"\bperiodic(?:al)?\s+(?:heartbeat|check(?:-?in)?|wake(?:-?up)?|review|poll)\b", ("periodic",)),
        Gated(r"\bexecuting\s+(?:periodic|scheduled|heartbeat)\b", ("executing",)),
        Gated(r"\broutine\s+check(?:-?in|up)?\b", ("routine",)),
        Gated(r"\bscheduled\s+(?:wake(?:-?up)?|check(?:-?in)?|heartbeat)\b", ("scheduled",)),
        Gated(r"\bkeep-?alive\b", ("keep",)),
        Gated(r'"type"\s*:\s*"heartbeat"', ('"heartbeat"',)),
        Gated(r"\A\s*\[[^\]\n]{0,40}\bheartbeat\b[^\]\n]{0,40}\]\s*\Z", ("heartbeat",)),
        Gated(r"\A\s*heartbeat\b\s*(?:[/:][^\n]{0,40})?\Z", ("heartbeat",)),
        Gated(r"latido\s+peri[oó]dico|心跳|ハートビート", ("latido", "心跳", "ハートビート")),
        Gated(
            r"heartbeat\.md`?\s*\(?(?:if (?:it )?exists|si existe|s'il existe|se existir|falls vorhanden"
            r"|wenn vorhanden|если (?:он )?(?:есть|существует))|如果存在\s*`?heartbeat\.md|heartbeat\.md`?\s*があれば",
            ("heartbeat.md",),
        ),
    )
    idle_events: Gated = Gated(
        r"\b(?:event|command|job|task|run)\b[^.\n]{0,60}\btriggered,? but no\b"
        r"|\bbut no (?:event content|command output|output|content|new events?) (?:was|were) found\b",
        ("but no",),
    )
    relays: Gated = Gated(r"\bscheduled reminder has been triggered\b|\brelay this reminder\b", ("reminder",))
    # A request that opens like this is about heartbeats, not one (unless it also says how to ack).
    not_a_poll_openers: tuple[str, ...] = (
        "update", "rewrite", "edit", "change", "modify", "add", "remove", "delete", "create",
        "write", "disable", "enable", "turn", "pause", "stop", "configure", "set", "schedule",
        "rename", "fix", "improve", "shorten", "explain", "describe", "tell", "show", "why", "what",
        "how", "when", "where", "can", "could", "would", "is", "does", "do", "should",
    )
    # A request to change the heartbeat file is never a heartbeat, even if it quotes the ack rule.
    edit_request: Gated = Gated(
        r"\A\W*(?:(?:please|pls|can you|could you|would you|hey|ok|okay)[\s,]+)*(?:add|append|update"
        r"|edit|change|modify|rewrite|remove|delete|put|write|insert|replace|clean up|shorten|improve"
        r"|fix|rename|extend|create)\b[^.\n]{0,80}?heartbeat\.md",
        ("heartbeat.md",),
    )
    # Sentences matching this are heartbeat boilerplate; the rest is the residual request.
    boilerplate: str = (
        r"heartbeat|no_reply|nothing (?:needs|requires|to)|attention|prior chats|old tasks"
        r"|periodic|check-?in|pending|idle|all is well|all clear|automat|scheduled|wake|poll"
        r"|notify|follow it strictly|\bif (?:it )?exists\b|心跳|ハートビート|latido"
    )
    max_residual_words: int = 40
    max_chars: int = 6000
    task_headers: tuple[str, ...] = (
        r"^[ \t]*#{1,6}[ \t]*(?:active |open |due |pending |periodic |heartbeat )?(?:tasks?|to-?dos?|checklist)\b.*$",
        r"^.*\b(?:run|perform|execute|complete|do)\b[^\n]{0,40}\b(?:following|below|these|due|active)\b"
        r"[^\n]{0,60}\btasks?\b.*$",
        r"^.*\badditional context from heartbeat\.md\b.*$",
        r"^[ \t]*<heartbeat_brief>[ \t]*$",
    )
    done_headers: tuple[str, ...] = (
        r"^[ \t]*#{1,6}[ \t]*(?:completed|done|finished|archived?)\b.*$",
        r"^[ \t]*</heartbeat_brief>[ \t]*$",
    )
    task_item: str = r"^[ \t]*(?:[-*+•]|\d+[.)]|\[ \])[ \t]+(?!\[[xX]\])(\S.*)$"
    empty_item: str = r"^\(?(?:empty|none|nothing|no tasks?)\b"


@attrs.frozen
class ContinuationRules:
    """User-role turns that continue earlier work; the classifier reads the turn that started it."""

    events: Gated = Gated(
        r"\brequest_heartbeat\s*=\s*true\b|\bcontinue_chaining\s*=\s*true\b|\breturning control\b"
        r"|\basync command (?:you ran earlier )?has completed\b|\bcommand completion event\b"
        r"|\b(?:background|async) (?:task|job|command|process) (?:has )?(?:finished|completed)\b",
        ("request_heartbeat", "continue_chaining", "returning control", "completed", "completion", "finished"),
    )
    go_ahead: str = (
        r"\A\W*(?:yes|yeah|yep|ok|okay|sure|go ahead|go for it|do it|proceed|continue|carry on"
        r"|please do|sounds good|lgtm|ship it|s[ií]|vale|adelante|hazlo|oui|vas-y|allez-y|d'accord"
        r"|ja|mach das|mach weiter|los|sim|pode|vai|да|давай|продолжай|好的|可以|继续|はい|お願いします"
        r"|続けて)(?:[\s,.!]+(?:please|go ahead|do it|thanks|thank you|proceed|continue|por favor"
        r"|s'il te plaît|bitte|пожалуйста))*\W*\Z"
    )
    go_ahead_max_chars: int = 80
    lookback: int = 64

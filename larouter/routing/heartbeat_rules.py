"""Configuration for heartbeat, framework-event and continuation detection (shipped defaults).

Patterns are Python regular expressions, matched case-insensitively. A `Gated` pattern only
runs when one of its gate substrings occurs in the lowercased text, which keeps the common
case (no heartbeat vocabulary at all) to a few substring checks.
"""

from __future__ import annotations

import attrs

from larouter.routing.bounds import number, size
from larouter.routing.known_prompts import DEFAULT_KNOWN_PROMPTS
from larouter.routing.poll_rules import CODE_REQUEST_CJK, POLLS, Gated
from larouter.routing.quiet_rules import SCHEDULED_WORDS
from larouter.routing.request_words import (AUTHORING_OPENERS, FROM_NOW_ON, MODAL_OPENERS, NOT_A_POLL_OPENERS,
                                           NOT_A_POLL_PREFIXES)
from larouter.routing.work_rules import WORK_DUE


@attrs.frozen
class AckRule:
    """How an idle acknowledgement (HEARTBEAT_OK / NO_REPLY) reads when it is an instruction.

    `before` must match the last `window` characters before the token (it is anchored at the
    token), `after`, when set, the text just after it; the rule is skipped unless one of `gate`
    occurs in that window.
    """

    before: str
    after: str = ""
    window: int = size(100)
    gate: tuple[str, ...] = ()


# Clause ends: also the Armenian, Devanagari, Myanmar, Khmer and Ethiopic full stops ("։", "।", "။", "។", "።").
_CLAUSE_END = (
    r"[`'\"”]?[ \t]*(?:$|[.!。）)։।။។።]|[ \t]+(?:if|si|se|wenn|falls|если|only|nur|solo|seulement"
    r"|uniquement|and nothing else|unless|sauf|außer|salvo|a menos)\b|[ \t]+s['’]il\b)"
)


@attrs.frozen
class HeartbeatRules:
    """Periodic check-ins: how to recognise them and when one has real work due."""

    # Nothing below runs unless one of these is in the lowercased turn.
    gate: tuple[str, ...] = (
        "heartbeat", "no_reply", "periodic", "routine", "check-in", "scheduled", "keep-alive",
        "keepalive", "triggered", "心跳", "ハートビート", "latido", "poll", "wake", "tick", "interval",
        "health check", "liveness", "idle", "invocation", "ping", "/poll", "alive?", "trigger", "invoked", "хартбит", "하트비트", "نبض", *SCHEDULED_WORDS,
    )
    ack_tokens: tuple[str, ...] = ("heartbeat_ok", "no_reply")
    # Any framework's idle token: a SCREAMING_SNAKE word built on an idle morpheme (NOTHING_TO_REPORT, NO_ACTION,
    # QUEUE_CLEAR, PONG_OK; not MAX_RETRIES), a bare one (NOOP, IDLE, ZZZ) or either in brackets ([SILENT]); it
    # counts when it reads as an instruction (see `acks`), like the named tokens above.
    ack_token_pattern: str = (
        r"(?<![\w\[])\[?(?:(?:[A-Z0-9]+_)+(?:NO|NOT|NOTHING|NONE|IDLE|OK|SKIP|SILENT|CLEAR|EMPTY|NOOP|OP|QUIET|GREEN"
        r"|ACK|PONG|ZZZ|NIL|NULL|SLEEP|STANDBY|ACTION|REPLY|REPORT|CHANGES|TASKS|WORK|PENDING|REQUIRED|MESSAGE)"
        r"(?:_[A-Z0-9]+)*|(?:NO|NOT|NOTHING|NONE|IDLE|NOOP|QUIET|ALL|SKIP|SILENT)(?:_[A-Z0-9]+)+"
        r"|NOOP|IDLE|SKIP|NONE|OK|ZZZ|SILENT|ACK|PONG|QUIET)\]?(?![\w\]])"
    )
    # Substrings one of which every such token contains (a cheap test before the regex runs).
    ack_token_hints: tuple[str, ...] = ("_", "OK", "NOOP", "IDLE", "SKIP", "NONE", "ZZZ", "SILENT", "ACK", "PONG", "QUIET")
    # Any other one-word (or quoted) idle reply asked for on an idle condition, in English: "Respond HODL if
    # idle", "Reply 73 if nothing to report", "If nothing needs a response, reply with the word quiet". The
    # token is group `tok` or `tok2`; the rest of the turn is judged as for the tokens above.
    conditional_ack_pattern: str = (
        r"(?i:\b(?:reply|respond|answer|say|return|acknowledge|ack)(?: back)?(?: with)?(?: (?:only|just|simply))?"
        r"(?: (?:the word|the token|one word|a single word|the single word|a single|the emoji))?:?[ \t]+)"
        r"(?P<tok>[\"'“‘`][^\"'”’`\n]{1,24}[\"'”’`]|[^\s\"'“‘`,.;:]{1,16})[ \t]+(?i:(?:only )?(?:if|when) "
        r"(?:it(?:'s| is) |you(?:'re| are|'ve| have) |everything is |all is |the \w+ (?:is|are) )?(?:idle|nothing|healthy|all good|all (?:empty|clear|"
        r"quiet|green|ok)|none\b|empty|clear|quiet|there(?:'s| is) nothing|no (?:new |open )?\w+ (?:to|came|arrived)))"
        r"|(?i:\bif (?:there(?:'s| is| are) |you(?:'ve| have) )?(?:nothing|none of|no new|all (?:the )?\w+ (?:are|is) (?:empty|clear|zero|0))"
        r"[^.;\n]{0,60}?, (?:just |only |simply )?(?:reply|respond|answer|say)(?: back)?(?: with)?(?: (?:only|just))?"
        r"(?: (?:the word|one word|a single word|the single word))?:?[ \t]+)(?P<tok2>[\"'“‘`][^\"'”’`\n]{1,24}[\"'”’`]|(?i:an empty (?:message|reply|response))|[^\s\"'“‘`,;:.]{1,16})"
        # "Nothing to triage; reply `noop`.", "Nothing to do, just reply 'noted'."
        r"|(?i:\bnothing (?:to (?:do|report|triage|action|flag|review)|new|pending|further)\b[^.;\n]{0,40}?[,;:.][ \t]*"
        r"(?:just |only |simply )?(?:reply|respond|answer|say)(?: back)?(?: with)?:?[ \t]+)"
        r"(?P<tok3>[\"'“‘`][^\"'”’`\n]{1,24}[\"'”’`]|[^\s\"'“‘`,;:.]{1,16})(?=[ \t]*[.!]?[ \t]*(?:\n|$))"  # ends the line
        # The first form in German, French, Spanish, Portuguese, Italian, Dutch: "Antworte mit RUHE, falls nichts zu
        # tun ist", "réponds uniquement CALME s'il n'y a rien", "responde solo «nada» si no hay nada que hacer".
        r"|(?i:\b(?:antworte|antwortet|réponds|répondez|responde|responda|rispondi|rispondete|antwoord)"
        r"(?: (?:nur|bitte|seulement|uniquement|juste|solo|sólo|solamente|apenas|somente|soltanto|alleen))?"
        r"(?: (?:mit|par|avec|con|com|met))?[ \t]+)(?P<tok4>[\"'“‘`„«][^\"'”’`“»\n]{1,24}[\"'”’`“»]|[^\s\"'“‘`„«,.;:]{1,16}),?"
        r"[ \t]+(?i:(?:falls|wenn|si|s'il|se|als|quando|cuando)\b[^.;\n]{0,24}?\b(?:nichts|rien|nada|niente|niets)\b)"
    )
    acks: tuple[AckRule, ...] = (
        AckRule(
            r"(?:^|[.:;,!?(（[]|->|=>|→|\bthen|\bjust|\bplease|\bonly|\bsimply|\botherwise)\s*(?:reply|respond"
            r"|answer|return|say|output|réponds|répondez|responde|responda|respondé|antworte|antwortet|rispondi"
            r"|risponda|antwoord|odpowiedz|ответь|ответьте|yanıtla|balas|jawab|trả lời|svara|أجب|اكتب)\b[^.\n]{0,40}?",
            window=60, gate=("reply", "respond", "answer", "return", "say", "output", "répond", "respond", "antwort",
                             "rispond", "antwoord", "odpowiedz", "ответь", "yanıtla", "balas", "jawab", "trả lời",
                             "svara", "أجب", "اكتب"),
        ),
        AckRule(r"\bif (?:nothing|there is nothing|idle|no action)[^.\n]{0,80}?", window=100, gate=("if ",)),
        AckRule(r"(?:回复|回覆|返信|返答|答复)[^。\n]{0,20}?", window=30, gate=("回复", "回覆", "返信", "返答", "答复")),
        # Verb after the token ("nur HEARTBEAT_OK antworten", "NO_REPLY लिखें।", "NO_REPLY로 답해 주세요").
        AckRule(
            r"(?:^|[,，:：;；.!?。！？—–→։।။។።]|[ \t]-[ \t])[ \t]*(?:\w+[ \t]+){0,3}?",
            r"[`'\"”]?(?:[ \t]*\w{1,14}){1,3}[ \t]*(?:$|[,，.!।。։။។።])",  # not "?": a question about the token
            window=40,
        ),
        # A conditional clause ending with the token, in any word order ("Dikkat gerektiren bir şey yoksa
        # HEARTBEAT_OK yanıtını ver.", "إذا لم يكن هناك ما يحتاج إلى انتباه، فأجب بـ HEARTBEAT_OK.").
        AckRule(
            r"(?:\bif|\bwenn|\bfalls|\bsi|\bse|\bесли|yoksa|\bjika|\bkalau|\bals|\bjeśli|\bjeżeli|\bom|\bnếu|अगर"
            r"|إذا|اگر|तो|如果|もし|만약|[가-힣]*(?:으면|면)|\w*(?:なければ|れば|たら))(?!\w)[^.!?。।۔\n]{0,120}?"
            r"|(?:หาก|ถ้า)[^.!?\n]{0,120}?",  # (Thai writes no spaces between words)
            r"[^.!?。।۔\n]{0,30}(?:$|[.!。।۔])",
            window=150,
        ),
        # A dash or arrow introducing the token at the end of a clause ("Если дел нет — HEARTBEAT_OK.").
        AckRule(r"[—–→][ \t]*[`'\"“]?", _CLAUSE_END, window=6),
        # Any language: the token closes a short clause ("..., responda HEARTBEAT_OK.").
        AckRule(
            r"(?:^|[,，:：;；.!?。！？—–։।။។።]|[ \t]-[ \t])[ \t]*(?:\w+[ \t]+){0,3}?\w+[ \t]*[:：]?[ \t]*[`'\"“]?",
            _CLAUSE_END,
            window=60,
        ),
    )
    polls: tuple[Gated, ...] = POLLS
    idle_events: Gated = Gated(
        r"\b(?:event|command|job|task|run)\b[^.\n]{0,60}\btriggered,? but no\b"
        r"|\bbut no (?:event content|command output|output|content|new events?) (?:was|were) found\b",
        ("but no",),
    )
    # A poll that reports work: new items arrived, something is overdue. Classified on its text, not as a heartbeat.
    work_due: tuple[Gated, ...] = WORK_DUE
    # A count followed by what it counts ("transaksi mencurigakan: 1 (refund Rp4.250.000 untuk TV 43\" ...)"): items
    # described because they need someone. Not when the description says all is well or none ("12 (all ok)").
    # Also a count followed by the quoted name of what it counts ("düşük stok 1 — 'Türk kahvesi 250 g'").
    described_count: str = (r"[1-9](?<![\w.,:/#-][1-9])\d*\s*(?:\(([^()\n]*?[^\W\d_]{2,}\s+[^\W\d_]{2,}[^()\n]*)\)"
                            r"|[—–:]\s*['\"«“‘„]([^'\"«»“”‘’„\n]{3,80})['\"»”’])")
    # Work asked for after the ack ("Reply HEARTBEAT_OK if you've read this, then refactor ...").
    # Also a user's message queued into the poll ("[queued while you were idle] Dana (Telegram, 16:12): can you ...").
    # Each pattern runs only when its own gate opens ("): " is common in check-ins: "Heartbeat (every 30 min): ...").
    work_after_ack: tuple[Gated, ...] = (
        Gated(r"(?:heartbeat_ok|no_reply|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+)[^.\n]{0,80}?(?:\bthen|\band then|\bafter that"
              r"|\bafterwards|\bdanach|\bpuis|\bluego|\bdepois|\bpoi)\s+\w+",
              ("then", "after that", "afterwards", "danach", "puis", "luego", "depois", "poi ")),
        Gated(r"\[queued\b|\bqueued (?:while|for you|messages?\b)", ("queued",)),
        Gated(r"^[^\S\n]*[A-Z][\w.'-]+(?:[^\S\n]+[A-Z][\w.'-]+)?[^\S\n]*\([^)\n]{0,30}\b\d{1,2}:\d\d\b[^)\n]{0,10}\):"
              r"[^\S\n]*\S", ("): ",)),
    )
    # An ack asked "if you understand" confirms instructions before the real task ("Svar OK hvis du forstår, og vent
    # så på min næste besked"): no idle condition. Read only when no check-in phrase was found (a cost of ~1 us).
    confirm_ack: Gated = Gated(
        r"(?i:\bif you(?:'ve| have)? (?:understand|understood)\b|\bif understood\b"
        r"|\bwenn du (?:das |es )?verstanden hast|\bsi (?:tu |vous )?(?:as |avez )?compris\b|\bsi (?:lo )?(?:entiendes|entendiste|has entendido)\b"
        r"|\bse (?:você |tu )?(?:entendeu|entendes|percebeste)\b|\bse hai capito\b|\bhvis du (?:har )?forst[åa]"
        r"|\bom du (?:har )?först[åa]|\bals je (?:het )?(?:begrijpt|begrepen hebt)\b|\bjeśli rozumiesz\b"
        r"|\bjeżeli rozumiesz\b|\bpokud rozumíš\b|\bесли (?:ты )?(?:понял|поняла|понятно)|\bякщо (?:ти )?зрозумі"
        r"|\bjos ymmärrät\b|\bha érted\b|\bdacă ai înțeles\b|\banladıysan\b|\bjika (?:kamu |anda )?(?:mengerti|paham)\b"
        r"|\bnếu (?:bạn )?hiểu\b)",
        ("underst", "verstanden", "compris", "entend", "entiend", "percebeste", "capito", "forst",
         "förstå", "begrijpt", "begrepen", "rozumiesz", "rozumíš", "понял", "понятно", "зрозумі", "ymmärrät", "érted",
         "înțeles", "anladıysan", "mengerti", "paham", "hiểu"),
    )
    # A reply that sets something off is a decision, not an idle ack: "Nothing to report on the migration, reply 'go'
    # and I will start it", "No new leads; reply `draft` to get a follow-up email" (English).
    action_reply: Gated = Gated(
        r"(?i:\b(?:reply|respond|answer|say|type)(?: with)?[ \t]+(?:[\"'`“‘][^\"'`”’\n]{1,24}[\"'`”’]|[^\s\"'`“‘]{1,16})"
        r"[ \t]+(?:to|and (?:i|we)(?:'ll| will| shall)) (?:start|cancel|approve|send|buy|delete|book|pay|end|get|draft"
        r"|create|launch|run|deploy|order|publish|merge|restart|reschedule|refund|release|proceed|unlock|renew|accept"
        r"|decline|reject|submit|transfer|sign|post|place|kick off)\b)",
        ("reply", "respond", "answer", "say", "type"),  # tried only where one of these starts
    )
    action_reply_joins: tuple[str, ...] = (" to ", " and ")  # and only in a turn holding one of these
    # A short turn that names a problem is a request even when it mentions a scheduled run ("scheduled run failed").
    problem_words: tuple[str, ...] = (
        "fail", "fails", "failed", "failing", "failure", "error", "errors", "broken", "broke", "crash", "crashed",
        "crashes", "bug", "wrong", "stuck", "issue", "problem", "fix", "debug", "investigate", "why",
        "leak", "leaking", "leaks", "flood", "flooding", "smoke", "fire",
    )
    relays: Gated = Gated(
        r"\bscheduled reminder has been triggered\b|\brelay this reminder\b"
        r"|(?<!\bno )(?<!\bany )\breminders?\b[^.\n]{0,30}\b(?:fired|triggered|went off|is due|are due|due now)\b"
        r"(?![^.\n]{0,20}\bnone\b)"
        r"|(?:reminder|erinnerung|rappel|recordatorio|lembrete|promemoria|напоминание|提醒|リマインダー|리마인더|التذكير"
        r"|hatırlatıcı|pengingat|herinnering|przypomnienie|nhắc nhở|påminnelse|रिमाइंडर|अनुस्मारक)"
        r"(?!s?[\"']?\s*[:=：]\s*\d)(?![^\n:：]{0,40}[:：]\s*(?:none|nothing|no|n/a|nil|keine|aucun|ningun[oa]?|nenhum"
        r"|nessuno|нет|无|なし|없음)(?!\w))"  # not a count ("reminders": 0) nor none ("Reminders due now: none (next: '…')")
        r"[^\n]{0,40}?[:：]\s*"
        r"[«\"“'‘「„]"
        r"|\bthe following reminder\b|リマインダーが(?:発火|作動)|提醒(?:已)?触发|напоминани\w+\s+сработал"
        r"|erinnerung\s+(?:ausgelöst|fällig)|rappel\s+(?:déclenché|échu)|recordatorio\s+(?:activado|disparado)"
        r"|lembrete\s+(?:disparado|acionado)|promemoria\s+(?:scattato|attivato)|리마인더가?\s*(?:울렸|발생)",
        ("reminder", "リマインダー", "提醒", "напоминани", "erinnerung", "rappel", "recordatorio", "lembrete",
         "promemoria", "리마인더", "التذكير", "hatırlatıcı", "pengingat", "herinnering", "przypomnienie", "nhắc nhở",
         "påminnelse", "रिमाइंडर", "अनुस्मारक"),
    )
    # A request that opens like this is about heartbeats, not one (unless it also says how to ack).
    not_a_poll_openers: tuple[str, ...] = NOT_A_POLL_OPENERS
    # A turn opening with one of these and asking for no idle reply is someone asking ("Kannst du …?"): read of the
    # first word only.
    modal_openers: tuple[str, ...] = MODAL_OPENERS
    authoring_openers: tuple[str, ...] = AUTHORING_OPENERS
    # A turn starting like this asks about heartbeats even when it quotes the ack ("Why do you keep replying
    # NEST_QUIET ...?"): "why" in any language, Spanish questions, and requests in scripts written without spaces.
    not_a_poll_prefixes: tuple[str, ...] = NOT_A_POLL_PREFIXES
    # "From now on ..." changes how the agent answers or how often it is woken: a person's request, never a beat
    # ("Tolong mulai sekarang balasan cek rutin diganti jadi 👍 saja", "From now on make the check-ins hourly").
    from_now_on: tuple[str, ...] = FROM_NOW_ON
    # A request to change the heartbeat file is never a heartbeat, even if it quotes the ack rule.
    edit_request: Gated = Gated(
        r"\A\W*(?:(?:please|pls|can you|could you|would you|hey|ok|okay)[\s,]+)*(?:(?:add|append|update"
        r"|edit|change|modify|rewrite|remove|delete|put|write|insert|replace|clean up|shorten|improve"
        r"|fix|rename|extend|create"  # and the same imperatives in other languages ("Schrijf een HEARTBEAT.md voor …")
        r"|schrijf|maak|wijzig|schreibe?|erstelle?|ändere|bearbeite|écris|crée|modifie|ajoute|escribe|crea|modifica"
        r"|añade|agrega|scrivi|aggiungi|escreva|crie|altere|adicione|napisz|utwórz|zmień|dodaj|напиши|создай|измени"
        r"|добавь|створи|зміни|додай|yaz|oluştur|değiştir|ekle|tulis|buat|ubah|tambahkan|skriv|ändra)\b[^.\n]{0,80}?"
        r"heartbeat\.md"
        r"|(?:open|read|check)\s+`?heartbeat\.md`?\s+(?:and|then)\s+(?:add|remove|delete|change|update|edit"
        r"|rewrite|replace|fix|tell|show|summari[sz]e|explain|list|print|paste|send|give)\b)",
        ("heartbeat.md",),
    )
    code_request_cjk: Gated = CODE_REQUEST_CJK
    # The same in scripts that put the verb after the file name ("HEARTBEAT.md を...書き直して").
    edit_request_cjk: Gated = Gated(
        r"heartbeat\.md[^。\n]{0,40}?(?:書き直|追加|変更|修正|削除|更新|修改|添加|删除|改写|重写|수정|추가|삭제|변경"
        r"|作って|作成|作り直|新しく|新建|创建|编写|만들어|작성)"  # ("HEARTBEAT.md を新しく作ってほしい", blind v48)
        r"|(?:heartbeat|ハートビート|心跳|하트비트)[^。\n]{0,40}?(?:変更して|変更する|変えて|修正して|書き直して|削除して"
        r"|修改一下|修改为|改成|改为|调整为|调整一下|수정해|변경해|바꿔)"
        r"|翻[译譯](?:成|为|為|一下)|翻訳して|번역해"  # a request to translate a quoted check-in, in any word order:
        r"|अनुवाद कर|(?<!\w)(?:ترجم|תרגם|terjemahkan|tercüme et|переведи(?:те)?|przetłumacz|přelož|übersetze|traduce"
        r"|traduis|traduza)(?!\w)"
        # a request to rewrite the text that follows, whatever it names ("把下面这段心跳提示词改写得更简洁",
        # "下のプロンプトを…書き直して", "…15分ごとに動くように変えて")
        r"|書き直して|書き換えて|簡潔にして|短くして|ように変えて|改写[得成一]|重写一下|精简一下|把(?:下面|以下|这段|這段)"
        r"|다시 ?써 ?줘|고쳐 ?줘",
        ("作って", "作成", "作り直", "新しく", "新建", "创建", "编写", "만들어", "작성", "書き直", "追加", "変更", "修正",
         "削除", "更新", "修改", "添加", "删除", "改写", "重写", "수정", "추가", "삭제", "변경", "変えて", "改成", "改为", "调整", "바꿔", "翻", "번역", "अनुवाद", "ترجم", "תרגם", "terjemah", "tercüme", "перевед",
         "przetłum", "přelož", "übersetz", "tradu", "書き換えて", "簡潔にして", "短くして", "ように変えて", "把", "다시",
         "고쳐"),
    )
    # A sentence that opens with a work verb is a request, whatever else the turn quotes ("Our bot answered NO_REPLY
    # ... Rewrite that section so ... and explain why."), unless the verb is a noun labelling a line ("Deploy prod:").
    # "Write" alone may spell the ack ("Write NO_REPLY if ..."); with a work object it is a request ("Write pytest
    # tests for handle_checkin ... exactly 'DOCK_IDLE' ..."). Translation requests in 25 languages quote the check-in
    # they want translated ("Перекладіть українською: "Scheduled check ... Reply OK ..."").
    request_sentence: Gated = Gated(
        r"(?:\A|[.!?][\"'”’»)]*\s+|\n\s*)(?:please\s+)?(?:rewrite|refactor|implement|translate|explain|compare"
        # nouns too: "Deploy prod-eu: healthy", "Deploy watcher: rollout ...", "Draft: saved" are labels
        r"|(?:deploy|design|draft|debug)(?!:|[^\S\n]+[\w.@/-]+:)"
        r"|analy[sz]e|investigate|migrate|generate"
        r"|write\s+(?:me\s+|us\s+)?(?:an?\s+|some\s+)?(?:(?:unit|pytest|integration|regression|end-to-end|e2e|jest|go)\s+)?"
        r"(?:tests?|code|functions?|scripts?|class(?:es)?|programs?|quer(?:y|ies)|handlers?|regex(?:es)?|docs"
        r"|documentation|e-?mails?|blog|posts?|summar(?:y|ies)|migrations?|parsers?|cron\s?jobs?)"
        r"|объясни|поясни|напиши|перепиши|сравни|erkläre|vergleiche|explique|expliquez|compare[zr]?|explica|explícame"
        r"|compara|spiega|confronta|wyjaśnij|porównaj|açıkla|karşılaştır|jelaskan|bandingkan|vysvětli|porovnej"
        r"|traduce|tradúceme|traduis|traduisez|traduire|übersetze|übersetzen|übersetz|traduci|traducete|traduza|traduz"
        r"|переведи|переведите|переклади|перекладіть|przetłumacz|přelož|přeložte|prelož|fordítsd|fordítsa|çevir|çevirin"
        r"|terjemahkan|dịch\s+(?:sang|giúp|giùm|hộ|đoạn|câu|bài|văn bản|tin nhắn|nội dung)|översätt|oversæt|oversett|vertaal|käännä|μετάφρασε|μεταφράστε|תרגם|ترجم|tradu|traduceți"
        r"|isalin|tafsiri)\b",
        ("rewrite", "refactor", "implement", "design", "draft", "translate", "explain", "compare", "analy", "debug",
         "investigate", "migrate", "deploy", "generate", "write", "объясни", "поясни", "напиши", "перепиши", "сравни",
         "erklär", "vergleich", "expli", "compar", "spiega", "confronta", "wyjaśnij", "porównaj", "açıkla", "karşılaştır",
         "jelaskan", "bandingkan", "vysvětli", "porovnej", "tradu", "übersetz", "перевед", "переклад", "przetłumacz",
         "přelož", "prelož", "fordíts", "çevir", "terjemahkan", "dịch", "översätt", "oversæt", "oversett", "vertaal",
         "käännä", "μετάφρασ", "תרגם", "ترجم", "isalin", "tafsiri"),
        starts=(".", "!", "?", "\n"),  # (or the text's start)
    )
    # A sentence asking why or how to fix something is a question about heartbeats, wherever it stands ("Here's a log
    # excerpt: ... Why is it doing this on a normal message and how do I fix it?"); a poll asks whether, not why.
    # A request added after the check-in's own sentences: "[Heartbeat] all green. Also — remind me at 6pm to call
    # the plumber", "… nothing new. Can you book the 9:00 train?", "HEARTBEAT_OK yourself lol. actually can you move my 3pm …".
    added_request: Gated = Gated(
        r"(?:[.!?][\"'”’»)]*\s+|\n\s*)(?:(?:also|and|plus|oh|ps|p\.s\.|btw|by the way|actually|anyway|ok|okay|so|now|hey)\W+){0,2}"
        r"(?:remind me|can you|could you|would you|will you)\b",
        ("remind me", "can you", "could you", "would you", "will you"),
    )
    question_sentence: Gated = Gated(
        r"(?:\A|[.!?:][\"'”’»)]*\s+|\n\s*)(?:(?:why|how (?:do|can|should|could) (?:i|we)|warum|wieso|pourquoi|por qué"
        r"|perché|почему|чому|dlaczego|neden|kenapa|mengapa|waarom|varför|hvorfor|miksi|proč)\b[^.!?\n]*[?？]"
        r"|[^.!?\n]*\b(?:how (?:do|can|should|could) (?:i|we) (?:fix|stop|prevent|debug|change)|what (?:could|would|might)"
        r" (?:cause|be causing))\b[^.!?\n]*[?？])",  # "What could cause this and how do I fix it?"
        ("why", "how ", "warum", "wieso", "pourquoi", "por qué", "perché", "почему", "чому", "dlaczego", "neden", "kenapa",
         "mengapa", "waarom", "varför", "hvorfor", "miksi", "proč", "what could", "what would", "what might"),
    )
    # Requests in scripts that put the verb last ("…を計算してください", "给我改好的提示词", "…알려 주세요"): a request,
    # unless the turn states the idle condition ("特に何もなければ ✅ を送ってください"; see `idle_condition_cjk`).
    # "How much / how" questions too ("…5分に変えたら、月のAPI料金はどれくらい増えますか？"); not 何か ("anything?"), which polls ask.
    request_cjk: Gated = Gated(
        r"(?<!返し)(?<!返信し)(?<!返答し)(?<!応答し)(?<!送っ)(?<!答え)(?:てください|て下さい)|教えて|给我|帮我|告诉我|怎么改"
        r"|如何|(?:해|알려) ?(?:주세요|줘)|を(?:ください|下さい)|たい(?:です|のですが|んですが)"
        r"|どれくらい|どのくらい|いくら|どうすれば|どうやって|どうしたら|どこで|どこに|たいんだけど|たいけど|얼마나|어떻게"
        r"|[请請](?:分析|给出|給出|处理|處理|检查|檢查|排查|调查|調查|修复|修復|说明|說明|提供|列出|总结|總結|写|寫|推导|推導"
        r"|证明|證明|计算|計算|估算|设计|設計)|(?<!返し)(?<!送っ)(?:て|で)(?:ほしい|欲しい)",  # "请分析可能原因并给出处理建议",
        # "请推导 …的概率", "作ってほしい"
        ("ください", "下さい", "ほしい", "欲しい", "教えて", "给我", "帮我", "告诉我", "怎么改", "如何", "주세요", "줘", "たい", "どれくらい", "どのくらい",
         "いくら", "どうすれば", "どうやって", "どうしたら", "どこ", "たいんだけど", "たいけど", "얼마나", "어떻게", "请", "請"),
    )
    # "... run the lag query and tell me how many seconds behind it is": asking to be told or shown something is a
    # person's request when the turn asks for no idle ack (a check-in prompt may say "tell me" next to its ack).
    request_no_ack: Gated = Gated(
        r"\b(?:tell|show|give|send) me\b|\blet me know\b|\b(?:sag|zeig|gib) mir\b|\bdis-moi\b|\bmontre-moi\b|\bdime\b"
        r"|\bmuéstrame\b|\bdimmi\b|\bmostrami\b|\bdiga-me\b|\bme diga\b|\bскажи\b|\bпокажи\b|\bpowiedz mi\b"
        r"|\bpokaż mi\b|\bbana söyle\b|\bberi tahu\b|\bcho tôi biết\b",
        ("me", "mir", "moi", "dime", "muéstrame", "dimmi", "mostrami", "скажи", "покажи", "mi", "söyle", "tahu", "biết"),
    )
    # A person's message in a poll ("... · Dana: call me if urgent", "Sam (Slack): can you ...", "@mark: need your
    # approval"): a name or a chat handle, a colon and
    # words addressed to someone; read only when no ack is asked for (with one, `work_after_ack` reads queued messages).
    person_message: Gated = Gated(
        r"(?:(?<![\w-])[A-Z][a-z]+(?:\s[A-Z][a-z]+)?|(?<![\w@])@[A-Za-z][\w.-]{1,29})(?:\s*\([^)\n]{0,30}\))?:\s+[^·•|;\n]*?"
        r"\b(?:me|you|your|my|we|us|can|could|please|pls)\b",
        (": ",),
    )
    idle_condition_cjk: Gated = Gated(
        r"なければ|なかったら|ない場合|なし(?:なら|の場合)|不要(?:なら|であれば|の場合)|如果没有|若无|没有[^。，\n]{0,12}就|无事"
        r"|无需|不需要|없으면|없다면|없을 경우",
        ("なければ", "なかったら", "ない場合", "なし", "不要", "没有", "若无", "无事", "无需", "不需要", "없"),
    )
    # A slash command that configures the check-in ("/heartbeat interval 30m", "/poll off") is a command, not a poll.
    slash_setting: Gated = Gated(
        r"\A\s*(?:\[[^\]\n]{0,40}\]\s*)?(?:<@[^>\n]{1,40}>\s*)?"  # after a channel tag and a mention ("[#staff] <@ines> /...")
        r"/[\w-]+[ \t]+(?:interval|every|set|config\w*|enable|disable|off|on|pause|resume|stop|start|schedule"
        r"|mute|unmute|status)\b(?![ \t]*[=:])",  # not a key=value status line ("/kontrola interval=hodina ...")
        ("/",),
    )
    # Sentences matching this are heartbeat boilerplate; the rest is the residual request.
    boilerplate: str = (
        r"heartbeat|no_reply|nothing (?:needs|requires|to)|attention|prior chats|old tasks"
        r"|periodic|check-?in|pending|idle|all is well|all clear|automat|scheduled|wake|poll"
        r"|notify|follow it strictly|\bif (?:it )?exists\b|心跳|ハートビート|latido"
    )
    max_residual_words: int = number(40, 0)
    max_chars: int = size(6000)
    # The frameworks' own check-in prompts: a turn that is exactly one of them is a heartbeat without the rules
    # (known_prompts.py says what counts as exactly).
    known_prompts: tuple[str, ...] = DEFAULT_KNOWN_PROMPTS
    # The learned check-in model (hbmodel.py), asked only when no rule above recognised a check-in; its score must
    # reach the threshold, and every guard still applies. model_file: a model trained by bench/train_hb_model.py
    # instead of the shipped one.
    model: bool = True
    model_threshold: float = 0.97
    model_file: str = ""
    task_headers: tuple[str, ...] = (
        r"^[ \t]*#{1,6}[ \t]*(?:active |open |due |pending |periodic |heartbeat )?(?:tasks?|to-?dos?|checklist)\b.*$",
        r"^.*\b(?:run|perform|execute|complete|do)\b[^\n]{0,40}\b(?:following|below|these|due|active)\b"
        r"[^\n]{0,60}\btasks?\b.*$",
        r"^.*\badditional context from heartbeat\.md\b.*$",
        r"^[ \t]*<heartbeat_brief>[ \t]*$",
    )
    done_headers: tuple[str, ...] = (
        r"^[ \t]*#{1,6}[ \t]*(?:completed|done|finished|archived?)\b.*$",
        # a section for later ("## Later", "## Más adelante", "## Someday"): its items are not due now (blind v38)
        r"^[ \t]*#{1,6}[ \t]*(?:later|someday|some day|backlog|not now|más adelante|mas adelante|später|plus tard|più avanti"
        r"|mais tarde|later dit jaar|później|senare)\b.*$",
        r"^[ \t]*</heartbeat_brief>[ \t]*$",
    )
    # Without a task header, a list item is a task only when it is unchecked, timed or marked due.
    # (A time with a dot needs two digits for the hour: "14.30", not a reading such as "load avg: 0.42"; a time is a
    # time of day: not "uptime 99.98%", "12.50 %".)
    headerless_task: str = (r"^\[ \]|\b(?:[01]?\d|2[0-3])[:h][0-5]\d\b|(?<![\d.,])(?:[01]\d|2[0-3])\.[0-5]\d\b(?![.,]?\d|\s?%)|\bdue\b|\bnow\b|\btoday\b|\boverdue\b"
                            r"|\b(?:fällig|échéance|vence|scade|scadenza|vervalt|vencimento)\b")  # "due" elsewhere
    task_item: str = r"^[ \t]*(?:・[ \t]*|(?:[-*+•]|\d+[.)]|\[ \])[ \t]+)(?!\[[xX]\])(\S.*)$"
    # "Tasks: none due"; an item answered none after an arrow ("Bills due within 48h → none")
    empty_item: str = (r"^(?:[^\W\d_][\w ]{0,30}:\s*)?\(?(?:empty|none|nothing|no tasks?)\b"
                       r"|.*?(?:→|->|=>)\s*(?:none|nothing|empty|all clear|clear|n/a|0)\b[^→]{0,20}$")

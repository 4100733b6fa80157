"""A check-in phrase someone talks about: "Heartbeat tick at 10:00 was late again", "Periodische Prüfung hängt seit 10
Uhr", "定期チェックが昨日から動いていません", "Fwd: Periodic check 06:00 — all green. thoughts?".

A scheduler titles its check-in ("Periodic check 10:00", "[cron] controllo periodico — gio 14/05 18:40"), gives it to
the agent ("Time for your periodic check") and reports on it in its own words, after its title or not ("Heartbeat
check is due", "Periodic check 10:00: no backup was late", "The scheduled check-in at 10:00 found nothing new",
"定期チェックを実行しました"). A person talks about it: the phrase's own clause complains about it, changes it or is the
writer's ("was late again", "läuft nicht", "太频繁", "only on weekdays", "woke me up"), a question opens with its
question word ("Who set up the scheduled check-in?"), a possessive of the writer's or a wish goes before it ("Our
periodic check", "Ich möchte die periodische Prüfung …"), or the turn forwards, pastes or quotes a check-in with the
person's own comment. Read only of a turn that asks for no idle reply. Each rule was checked both ways: person
messages (review 29, 218; review 33, 75) and machine check-ins (review 30, 232; review 33, 142), none of which it may
lose.
"""

from __future__ import annotations

import re

from larouter.routing.compiled import Compiled


def talked_about(text: str, lower: str, rules: Compiled) -> bool:
    """Whether every check-in phrase the turn holds is one someone talks about (see the module's docstring)."""
    spans: list[tuple[int, int]] = []
    for check in rules.hb_polls:
        m = check.search(text, lower)
        if m is not None and "heartbeat.md" not in lower[m.start():m.end()]:
            spans.append(m.span())
    if not spans:
        return False
    if _commented(text, lower) or any(_quoted(text, lower, start) for start, _ in spans):
        return True
    return all(_before(lower, start) or _complains(lower, start, end) for start, end in spans)


def _before(lower: str, start: int) -> bool:
    """An article or a possessive right before the phrase, maybe with an adjective ("the new heartbeat poll"), and
    not after "follow", "run" (OpenClaw's own "Follow the heartbeat monitor scratch context"), unless told not to
    ("Don't run the periodic check tonight")."""
    head = max(lower.rfind(c, 0, start) for c in ".!?\n。！？:") + 1
    line = [w.strip("\"'«“„(,") for w in lower[head:start].split()]
    if line and line[-1] in _ADJECTIVES and len(line) >= 2 and line[-2] in _DETERMINERS:
        line.pop()
    if not line or line[-1] not in _DETERMINERS:
        return False
    if len(line) >= 3 and line[-2] in _DOING and line[-3] in _NOT_DOING:
        return True  # ("Don't run the periodic check tonight")
    # One a person wants changed ("Ich möchte die periodische Prüfung auf 30 Minuten stellen"), or one a possessive of
    # the writer's names ("Our periodic check has been silent"); not one a scheduler presents or reports on ("This is
    # the hourly heartbeat", "The scheduled check-in at 10:00 found nothing new", reviews 30 and 33: what a person
    # says of "the" check-in is read by `_complains`).
    return line[-1] in _OURS or not _WANTING.isdisjoint(line)


def _complains(lower: str, start: int, end: int) -> bool:
    """Whether the phrase's clause complains about the check-in or changes it (`_COMPLAINT_RE`), or is the writer's
    own ("woke me up", "burns through my API credits", "半夜把我吵醒了"). The clause ends where a title's report starts
    (a colon, a dash, a bracket after the phrase: "Periodic check 10:00: no backups were late" reports, review 33)."""
    head = max(lower.rfind(c, 0, start) for c in ".!?\n。！？।") + 1
    stop = _CLAUSE_END_RE.search(lower, end)
    clause = lower[head:stop.start() if stop is not None else len(lower)]
    if _COMPLAINT_RE.search(clause) is not None or any(map(clause.__contains__, _COMPLAINTS_UNSPACED)):
        return True
    if _FIRST_PERSON_RE.search(clause) is not None:
        return True
    ends = [i for i in (lower.find(c, end) for c in ".!?\n。！？") if i >= 0]
    sentence = lower[head:min(ends, default=len(lower)) + 1].strip()  # ("Who set up the scheduled check-in?")
    return sentence.endswith(("?", "？")) and sentence.lstrip("¿ ").startswith(_WH)


def _commented(text: str, lower: str) -> bool:
    """Whether the turn forwards or pastes a check-in with the person's comment on it ("Fwd: Periodic check 06:00 —
    all green. thoughts?", "… <- I get this every 30 min, turn it off", "Heartbeat poll: nothing new\\n\\nwhat does
    this mean?"); not a machine's own footer ("\\n\\nThis is an automated message.", review 30)."""
    start = lower.lstrip()
    if start.startswith(_FORWARDED) or _ARROW_RE.search(lower) or _DENIED_RE.search(lower):
        return True
    if "\n" in lower.strip() and lower.strip().rsplit("\n", 1)[1].lstrip().startswith(_CONTRADICTING):
        return True  # ("\n\nbut the disk is full, what gives", "… — all green\nreally? the NAS has been off")
    if start[:1] in "{[<" or "\n\n" not in lower.strip() and not start.startswith(">"):
        return False
    tail = lower.strip().rsplit("\n", 1)[1]
    if len(tail.split()) > 20 or tail.lstrip()[:1] in "-*•#|" or any(map(tail.__contains__, _AUTOMATIC)):
        return False  # (a machine's footer: "This is an automated message.", "Please do not reply to this message.",
        # "Turn off this workflow in the editor.", review 33)
    words = set(_WORD_RE.findall(tail))
    pointed = not _DEICTIC.isdisjoint(words) or any(map(tail.__contains__, _DEICTIC_CJK))
    return pointed and (not _ASKING.isdisjoint(words) or any(map(tail.__contains__, _ASKING_MARKS)))


def _quoted(text: str, lower: str, start: int) -> bool:
    """Whether the phrase opens a quotation in a person's message ('My bot sent "Periodic check-in: all clear" to the
    family group by mistake, how do I undo it'; not `Workflow "Periodic check" triggered by Schedule Trigger`)."""
    opening = text[max(0, start - 1):start]
    if opening not in _OPENING_QUOTES or text.lstrip()[:1] in "{[<":
        return False
    close = text.find(_OPENING_QUOTES[opening], start)
    outside = _URL_RE.sub(" ", lower[:start - 1] + " " + (lower[close + 1:] if close >= 0 else ""))
    return ("?" in outside or _PERSON_RE.search(outside) is not None  # (not "mon" in "Mon 09:00", "my" in
            or any(map(outside.__contains__, _CONTRADICTING_CJK)))  # "my-agent-01", a "?" in a link: review 33)


_WORD_RE = re.compile(r"[^\W\d_][\w'’]*")
# What a sentence says of a check-in it complains about or changes (never a scheduler's own report of it).
_COMPLAINT_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, """
was late|is late|came late|runs late|running late|late again|late by|never|no longer|hasn't|duplicate
|only on weekdays|only on weekends|weekdays only|pause it|pause the|let's|works great|really useful|was perfect
|nice job|thank you for|nur noch|nur werktags|super hilfreich|solo entre semana|seulement en semaine
|только по будням|woke up|woke the|wakes up|geweckt|weckt mich|overkill|seriously|pinged everyone|has been missing
|mi ha|anymore|any more|stopped|stops working|broke|broken|twice|too often|too much|too many|too noisy|too chatty
|too aggressive|too frequent|spamming|spams|annoying|noisy|didn't|doesn't|isn't working|wasn't|won't|can't|woke me
|wakes me|eating|costs me|instead|make it|change it|move it|reschedule|skip it|skip the|skip this|skip tonight
|skip today|skip tomorrow|skipped|cancel|disable|turn it off|mute|came through|keeps sending|wrong time|why|help me
|still fires|should go|nicht mehr|kam nicht|kommt nicht|funktioniert nicht|geht nicht|läuft nicht|nervt|zu oft
|zu viel|zweimal|schon wieder|verschieben|verschiebe|statt|ausfallen|nicht aus|warum|woran liegt|kaputt|hilfe
|nichts mehr|what's going on|hängt|colgad|no funciona|no llegó|no llega|ya no|dejó de|demasiado|dos veces|en vez de
|en lugar de|cambiar|por qué|ayuda|no se ejecut|ne se lance plus|ne marche plus|ne fonctionne plus|n'arrive
|plus depuis|trop|deux fois|au lieu de|décaler|pourquoi|non parte|non funziona|più da|troppo|due volte|invece di
|spostare|aiuto|parou|não chegou|não funciona|demais|duas vezes|em vez de|mudar|por que|ajuda|werkt niet|kwam niet
|komt niet|te vaak|twee keer|in plaats van|waarom|przestała|przestał|nie przyszła|nie działa|za często|dwa razy
|zamiast|dlaczego|перестала|перестал|не пришла|не приходит|не работает|слишком|дважды|вместо|почему|перенеси|молчит
|çalışmıyor|gelmedi|çok sık|neden|alır mısın|tidak jalan|tidak muncul|tidak datang|terlalu sering|kenapa|không chạy
|không đến|quá nhiều|tại sao|لا يعمل|لم يصل|لماذا|thanks for|works for me|works again|nothing happens|haven't heard
|sends me|is dropping|keeps dropping|is that enough|move the|ugh|não execute|não rode|nie uruchamiaj|не запускай
|jangan jalankan|đừng chạy|yapma|niet uit
""".replace("\n", "").split("|"))) + r")\b|\b(?:non è arrivat|kam\b[^.!?]{0,24}\bnicht|kommt\b[^.!?]{0,24}\bnicht"
                           r"|réveill|svegliat|despertó|despertou|acordou|разбуди)\w*")  # (not "despertar agendado", a
# scheduled wake-up)
_COMPLAINTS_UNSPACED = ("動いていません", "動かない", "来ない", "来ません", "届かない", "止め", "変更したい", "ずらして", "多すぎ", "うるさい",
                        "なぜ", "不运行", "没运行", "没有运行", "不工作", "太频繁", "改成", "改到", "为什么", "停了", "坏了", "卡住",
                        "固まって", "只在工作日", "困って", "깼", "吵醒", "多久", "谁设置", "いつから", "不要执行", "别执行", "안 돼",
                        "안 와", "너무 자주", "바꿔", "멈췄", "नहीं चल", "नहीं आ", "क्यों", "मत चला", "をしないで",
                        "하지 마")
_FORWARDED = ("fwd:", "fw:", "forwarded from", "weitergeleitet", "reenviado", "transféré", "inoltrato",
              "encaminhad", "пересланное", "doorgestuurd")
_CONTRADICTING_CJK = ("けど", "但是", "可是")
_CONTRADICTING = ("but ", "really?", "hmm", "not true", "stimmt nicht", "aber ", "pero ", "mais ", "maar ", "а вот",
                  "но ", *_CONTRADICTING_CJK)  # (not "ma", "mas": Monday in Dutch agendas)
_DENIED_RE = re.compile(r"[—–-]\s*(?:not true|that's wrong|wrong|stimmt nicht|falso|faux|неправда)\b")
_ARROW_RE = re.compile(r"\s<-{1,2}\s+(?:i|i'm|my|me|this|that|we|ich|das|je|ça|esto|eso)\b")
_AUTOMATIC = ("automat", "автоматическ", "自動", "自动", "자동", "no action", "nothing else", "this message", "this email",
              "this notification", "this workflow", "this reminder", "this schedule", "these check-ins", "this alert",
              "this automation", "://", "docs", "unsubscribe", "do not reply", "settings", "editor", "react with",
              "désactivez", "ne voulez plus", "abbestellen", "einstellungen")
_DEICTIC = frozenset("this that these those das dies diese esto eso esta ceci ça cela questo questa isso isto dit "
                     "deze это этот эта".split())
_DEICTIC_CJK = ("これ", "それ", "这", "這", "이거", "이게")
# A question or a request in the person's comment ("what does this mean", "please stop sending me this").
_ASKING = frozenset("what why how please stop turn warum was wie bitte por qué qué pourquoi quoi perché cosa "
                    "waarom wat dlaczego почему что".split())
_ASKING_MARKS = ("?", "？", "止め", "なぜ", "为什么", "什么", "왜")
_OPENING_QUOTES = {"\"": "\"", "“": "”", "«": "»", "„": "“", "「": "」", "'": "'"}
_PERSON_RE = re.compile(r"(?<![\w-])(?:i|i'm|my|me|we|our|us|ich|mein|meine|wir|je|nous|yo|io|eu|meu|minha|ik|mijn"
                        r"|я|мой)(?![\w-])")
_URL_RE = re.compile(r"\S+://\S+|\bwww\.\S+")
# Articles and possessives before a noun someone talks about (not "a", "o", "de": other words in other languages;
# not "your", "tu", "dein": what a scheduler gives the agent).
_DETERMINERS = frozenset("""
the our my this that these those its die der das den dem des diese dieser diesen dieses unsere unserer unseren
unser meine meiner meinen mein el la los las nuestra nuestro nuestras mi mis esta este esa ese le les l' notre nos
ma mon mes cette ce cet il lo gli nostro nostra mio mia questo questa quel quella os as nosso nossa meu minha esse
essa het onze ons mijn deze
""".split())
_ADJECTIVES = frozenset("new old first last same current neue neuen alte alten nueva nuevo nouvelle nouveau nuova "
                        "nuovo nova novo nieuwe".split())
# What a scheduler tells the agent to do with its check ("Follow the heartbeat monitor …", "Run the periodic check"),
# unless it is told not to ("Don't run the periodic check tonight").
_DOING = frozenset("""
follow run do perform start execute complete begin for führe starte mache mach folge ejecuta realiza haz sigue inicia
lance effectue fais exécute suis esegui fai avvia segui execute faça realize inicie siga voer doe volg ejecutes
hagas realices inicies eseguire fare avviare lanciare rode
""".split())
# A question about the check-in, asked by its first words ("Who set up …?", "¿Cada cuánto …?", "定时检查多久运行一次？" is
# read by its question word after the phrase: `_COMPLAINTS_UNSPACED`).
_WH = ("who ", "when ", "how often", "how many times", "where ", "wer ", "wann ", "wie oft", "cada cuánto", "quién",
       "cuándo", "qui ", "quand ", "à quelle", "chi ", "quando", "quem ", "ogni quanto", "de quanto", "kto ", "kiedy",
       "jak często", "кто ", "когда", "как часто")
# Where the phrase's clause ends: its sentence's end, or a title's report after it (not a time's colon, "um 10:00").
_CLAUSE_END_RE = re.compile(r"[.!?](?=\s|$)|[\n。！？।(（·|]|[:：](?!\d)|\s[—–-]\s")
_OURS = frozenset("our my unsere unserer unseren unser meine meiner meinen mein nuestra nuestro nuestras mis notre "
                  "nos mes nostro nostra mio mia nosso nossa meu minha onze ons mijn".split())
# The writer's own words in the phrase's clause: a first person as object or possessive (not "mon", "mi", "ma":
# Monday, Wednesday, Monday in other languages; nor "i", "and" in Polish and Czech, "the" in Italian; nor a log's
# "I:" level).
_FIRST_PERSON_RE = re.compile(r"(?<![\w-])(?:me|my|i'm|i've|mich|mir|meine?[mnrs]?|moi|mí|meu|minha|mijn|mij|меня|мне"
                              r"|мой|моя|mnie|mój|moja|beni|bana|saya|tôi|मुझे|मेरा|मेरी)(?![\w:-])|\bm'(?=\w)"
                              r"|我|私|나를|내가|제가|저를")
_WANTING = frozenset("want wanted like möchte möchten will wollen voudrais veux quiero quisiera vorrei voglio quero "
                     "queria wil wilde chcę хочу".split())
_NOT_DOING = frozenset("don't dont not never nicht kein no ne non não nie не".split())

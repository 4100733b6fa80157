"""A check-in phrase someone talks about: "the periodic check no longer runs", "Heartbeat tick at 10:00 was late
again", "定期チェックが昨日から動いていません", "periodic check-in: can we make it every 2 hours instead?".

A scheduler titles its check-in ("Periodic check 10:00", "[cron] controllo periodico — gio 14/05 18:40", "定期チェック
（15:00）：新着なし") or gives it to the agent ("Time for your periodic check", "Run the node checklist"); it never says
anything about it. A person does: the phrase follows an article or a possessive ("the", "die", "la", "our"), or a
predicate follows it ("was late", "läuft nicht mehr", "no funciona", a subject or object particle: "が", "を", "이"),
or what follows its colon is the person's own ("I'm back from vacation", "can we make it hourly?"). Read only of a
turn that asks for no idle reply (review 29: 177 of 218 such messages, in 16 languages, were heartbeats).
"""

from __future__ import annotations

import re

from larouter.routing.compiled import Compiled


def talked_about(text: str, lower: str, rules: Compiled) -> bool:
    """Whether every check-in phrase the turn holds is one someone talks about (see the module's docstring)."""
    spans: list[list[int]] = []
    for check in rules.hb_polls:
        m = check.search(text, lower)
        if m is not None and "heartbeat.md" not in lower[m.start():m.end()]:
            spans.append([m.start(), m.end()])
    if not spans:
        return False
    if _commented(text, lower) or any(_quoted(text, start) for start, _ in spans):
        return True
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:  # (overlapping or adjacent matches are one phrase: "heartbeat tick at 10:00")
        if start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return all(_before(lower, start) or _after(lower, _word_end(lower, end)) or _in_sentence(lower, start, end)
               for start, end in merged)


def _in_sentence(lower: str, start: int, end: int) -> bool:
    """Whether the phrase's sentence thanks someone, is told not to run or to run at another time ("Health check
    passed, thanks for fixing it!", "Führe die periodische Prüfung heute nicht aus", "今晚不要执行定时检查", "… a las 10
    en vez de a las 9"): a person's, never a scheduler's."""
    head = max(lower.rfind(c, 0, start) for c in ".!?\n。！？") + 1
    ends = [i for i in (lower.find(c, end) for c in ".!?\n。！？") if i >= 0]
    sentence = _IDLE_RE.sub(" ", lower[head:min(ends, default=len(lower))])  # ("… don't reply unless …": its idle rule)
    return any(map(sentence.__contains__, _PERSON_MARKS)) or not _TALK_WORDS.isdisjoint(_WORD_RE.findall(sentence))


def _commented(text: str, lower: str) -> bool:
    """Whether the turn is a check-in someone forwards or pastes with their own comment on it ("Fwd: Periodic check
    06:00 — all green. thoughts?", "… <- I get this every 30 min, turn it off", "Heartbeat poll: nothing new\n\nwhat
    does this mean?", "定期チェック 10:00：異常なし\n\nこれが毎時間届くんだけど、止められる？", "… Anything I should do?")."""
    if lower.lstrip().startswith(_FORWARDED) or "<-" in lower or "<--" in lower:
        return True
    if lower.lstrip()[:1] in "{[<":
        return False  # (a payload's own fields)
    tail = lower.strip().rsplit("\n\n", 1)[1] if "\n\n" in lower.strip() else ""
    tail = tail or (lower.rsplit("\n", 1)[1] if lower.lstrip().startswith(">") and "\n" in lower else "")
    if (tail and "\n" not in tail and len(tail.split()) <= 20 and tail.lstrip()[:1] not in "-*•#|"
            and (any(map(tail.__contains__, _DEICTIC_CJK)) or not _DEICTIC.isdisjoint(_WORD_RE.findall(tail)))):
        return True  # (a last line of its own that points at what is above it)
    return any(_I_QUESTION_RE.search(sentence) for line in lower.splitlines() if line.lstrip()[:1] not in "-*•>|@"
               for sentence in _QUESTION_RE.findall(line))


def _quoted(text: str, start: int) -> bool:
    """Whether the phrase opens a quotation a longer message holds ('My bot sent "Periodic check-in: all clear" to the
    family group by mistake, how do I undo it')."""
    opening = text[max(0, start - 1):start]
    if opening not in _OPENING_QUOTES or text.lstrip()[:1] in "{[<":  # (not a payload's string)
        return False
    close = text.find(_OPENING_QUOTES[opening], start)
    outside = text[:start - 1] + " " + (text[close + 1:] if close >= 0 else "")
    return len(outside.split()) >= 5


_FORWARDED = ("fwd:", "fw:", "forwarded", "wg:", "tr:", "rv:", "i:", "enc:", "doorgestuurd", "weitergeleitet",
              "reenviado", "transféré", "inoltrato", "encaminhad", "пересланное")
_OPENING_QUOTES = {"\"": "\"", "“": "”", "«": "»", "„": "“", "「": "」", "'": "'"}
# Words that point at the pasted check-in above them.
_DEICTIC = frozenset("this that these those das dies diese esto eso esta ceci ça cela questo questa isso isto dit "
                     "deze это этот эта".split())
_DEICTIC_CJK = ("これ", "それ", "这", "這", "이거", "이게")
_QUESTION_RE = re.compile(r"[^.!?\n]*\?")
_I_QUESTION_RE = re.compile(r"\b(?:i|ich|je|yo|io|eu|ik|я)\b")  # ("Anything I should do?": not "anything for me?")


def _word_end(lower: str, end: int) -> int:
    """The end of the word a match ends in ("периодическая проверк|а", "okresowa kontrol|a"; not in a script written
    without spaces: "定期チェック|が")."""
    while end < len(lower) and lower[end].isalnum() and lower[end - 1].isalnum() and ord(lower[end]) < 0x2E80:
        end += 1
    return end


def _before(lower: str, start: int) -> bool:
    """An article or a possessive right before the phrase (not after "follow", "run": OpenClaw's own "Follow the
    heartbeat monitor scratch context")."""
    line = [w.strip("\"'«“„(,") for w in lower[lower.rfind("\n", 0, start) + 1:start].split()]
    if line and line[-1] in _ADJECTIVES and len(line) >= 2 and line[-2] in _DETERMINERS:
        line.pop()  # ("the new heartbeat poll", "die neue periodische Prüfung", "the 9:00 periodic check")
    if line and (line[-1] in _DETERMINERS or line[-1].endswith(_WHENS)):  # ("tonight's scheduled check")
        return not (len(line) >= 2 and line[-2] in _DOING) or len(line) >= 3 and line[-3] in _NOT_DOING
    return lower[max(0, start - 1):start] == "把"  # (Chinese: "把定时任务改到早上9点", something done to it)


def _after(lower: str, end: int) -> bool:
    """A predicate right after the phrase (past a time or a parenthesis, on its line), or the person's own words after
    its colon or dash ("Idle poll: no new human input" is a label and its report; "Revisión periódica no funciona" a
    sentence about it)."""
    m = _SKIP_RE.match(lower, end)
    at = _SPACE_RE.match(lower, m.end() if m is not None else end).end()
    between = lower[end:at]
    if "\n" in between:
        return False  # (a title on its own line)
    ch = lower[at:at + 1]
    if lower.startswith(_CJK_PREDICATES, at):  # ("定时检查从昨天开始就不运行了", "定时检查太频繁了")
        return True
    if ch in _PARTICLES and (ch in "がをはも" or lower[at + 1:at + 2] in (" ", "")):  # ("정기 확인이야": a copula)
        return True
    w = _WORD_RE.match(lower, at)
    if w is None:
        return False
    nxt = _WORD_RE.match(lower, _SPACE_RE.match(lower, w.end()).end())
    if _LABEL_RE.search(between) or lower[end - 1:end] in (":", "："):  # a label: "periodic check-in: can we
        # …", "Heartbeat: I'm back …", "Periodic check-in — skip the one at 22:00 tonight"
        return (w[0] in _FIRST_PERSON or w[0] in _SCHEDULING
                or (w[0] in _MODALS and nxt is not None and nxt[0] in _PRONOUNS))
    return w[0] in _PREDICATES or (w[0] in _NEGATIONS and nxt is not None and nxt[0] in _NEGATED)


_LABEL_RE = re.compile(r"(?<!\d)[:：](?!\d)|[—–]|(?<!\S)-(?!\S)")  # (not a time's colon: "at 9:00")
_IDLE_RE = re.compile(r"\b(?:do not|don't|dont|never|nicht|niet)\s+(?:reply|respond|answer|antworten|antwoorden|write"
                      r"|message|notify|ping)\b")
# What only a person writes in the phrase's sentence: thanks, a negative imperative, "instead of".
_PERSON_MARKS = ("do not ", "instead of", "en vez de", "en lugar de", "au lieu de", "invece di", "em vez de",
                 "in plaats van", "zamiast", "вместо", "thank you", "terima kasih", "cảm ơn", "不要", "别再", "しないで",
                 "ありがとう", "谢谢", "謝謝", "하지 마", "감사", "고마워", "शुक्रिया", "धन्यवाद", "شكرا")
_TALK_WORDS = frozenset("""
don't dont never nicht niet jangan đừng yapma मत thanks thank danke merci gracias grazie obrigado obrigada спасибо
dzięki dziękuję bedankt teşekkürler statt
""".split())
# The words of a change to the schedule, after a label ("Periodic check-in — skip the one at 22:00 tonight").
_SCHEDULING = frozenset("skip cancel pause stop disable don't dont move reschedule mute".split())
# Chinese predicates right after the phrase ("从昨天开始就不运行了", "太频繁了", "又来了", "一直没有").
_CJK_PREDICATES = ("从", "太", "又", "没", "不", "一直", "总是", "老是", "怎么", "为什么", "突然", "还是", "已经")
# An adjective or a time between an article and the phrase.
_ADJECTIVES = frozenset("new old first last next same current daily nightly hourly neue neuen alte alten nueva nuevo "
                        "nouvelle nouveau nuova nuovo nova novo nieuwe".split())
_WHENS = ("tomorrow's", "tonight's", "today's", "yesterday's", "morning's", "night's", "evening's", "week's",
          "afternoon's")
# Past the phrase: a time ("at 10:00", "um 9 Uhr", "14:30"), a frequency, a parenthesis, a colon or a dash.
_SKIP_RE = re.compile(r"(?:\s*(?:\([^)\n]{0,60}\)|（[^）\n]{0,60}）|[:：—–-](?=\s)|"
                      r"(?:at|um|a las|à|alle|delle|das|às|om|o|в|jam|every|each|alle|cada|toutes les|ogni|elke|co"
                      r"|pukul|lúc|saat)(?=\s)|\d{1,2}(?:[:.h]\d{2})?(?:\s?(?:am|pm|uhr|uur|h|min|minutes?|hours?|godz)"
                      r"|'[a-zçğıöşü]+)?(?![\w:])|の(?:時間|間隔|頻度|通知)|(?:알림|시간))\s*)*")
_SPACE_RE = re.compile(r"\s*")
_WORD_RE = re.compile(r"[^\W\d_][\w'’]*")
# A subject or object particle right after the phrase: someone says something of it ("定期チェックが…動いていません",
# "定時チェックを9時に変更したい", "정기 점검이 어제부터", "정기 점검 시간을 9시로").
_PARTICLES = frozenset("がをはも이가을를은는도")  # (Korean ones before a space only)
# What a person says of it, right after it ("… was late again", "… läuft seit gestern nicht mehr", "… no funciona",
# "… ne se lance plus", "… non parte più", "… parou de funcionar", "… перестала работать", "… dünden beri
# çalışmıyor"); not what a scheduler says of its own wake ("fired", "started", "triggered", "ran").
_PREDICATES = frozenset("""
is was were are isn't wasn't aren't keeps kept never didn't doesn't don't won't can't cannot has had have hasn't
haven't came comes arrived stopped stops went goes woke wakes works worked seems seemed should could must needs takes
took sends sent spams spammed still again too also broke broken sometimes always didnt doesnt isnt wasnt since
runs ran twice please saatini instead
ist war sind waren läuft lief kam kommt funktioniert geht ging hat hatte wird wurde soll sollte muss bitte schon
immer bleibt meldet schickt sendet weckt seit nervt
es está estaba fue era funciona funcionaba llegó llega se ya sigue nunca dejó tiene tarda debe debería desde
n'est est était marche fonctionne tourne s'est arrive n'arrive plante depuis
è era funziona parte arriva si ha sta
é está parou funciona chegou chega tá deu travou
werkt kwam komt loopt liep doet heeft moet sinds
przestała przestał działa jest była był przyszła przyszło
перестала перестал перестало работает пришла пришёл пришло опять снова молчит стала стал слишком приходит
dünden çalışmıyor gelmedi çalışıyor
jalan sejak sudah belum masih
đã chưa
कल
منذ
""".split())
# A negation right after the phrase says something of it only before a verb ("Revisión periódica no funciona",
# "Плановая проверка в 9:00 не пришла"; not "<tick/> no new events", "Kiểm tra định kỳ: không có đơn hàng mới").
_NEGATIONS = frozenset("not no nicht ne non não nie не niet tidak không لا لم नहीं".split())
_NEGATED = frozenset("""
longer more mehr plus più mais meer więcej больше
run runs ran work works worked come came arrive arrived fire fires start started läuft lief kam kommt funktioniert
geht startet funciona funcionó llega llegó llegó se ejecuta arranca se lance tourne marche fonctionne arrive parte
funziona arriva è funciona chegou roda rodou werkt komt loopt kwam działa przyszła przyszło przyszedł działała
работает пришла пришло пришёл запускается приходит jalan muncul datang chạy đến có chal चल يعمل تعمل تصل يصل
""".split())
# The person's own words after the phrase's colon ("Daily check-in: I finished the report", "Periodische Prüfung: ich
# bin heute im Urlaub", "Revisión periódica: estoy enfermo hoy").
_FIRST_PERSON = frozenset("""
i i'm i've i'd i'll im ive my we we're we've ich mir mich mein meine wir je j'ai j'suis moi nous estoy soy tengo
estamos sono ho siamo eu estou tenho ik ben heb wij я мне мы
""".split())
_MODALS = frozenset("can could should would will does do is are may tu dá kannst können kann peux pouvez puedes puede "
                    "puoi può podes pode".split())
_PRONOUNS = frozenset("we you i it they peux le la lo pra mudar du sie on".split())
# Articles and possessives before a noun someone talks about (not "a", "o", "de": other words in other languages;
# not "your", "tu", "dein": what a scheduler gives the agent).
_DETERMINERS = frozenset("""
the our my this that these those its die der das den dem des diese dieser diesen dieses unsere unserer unseren
unser meine meiner meinen mein el la los las nuestra nuestro nuestras mi mis esta este esa ese le les l' notre nos
ma mon mes cette ce cet il lo gli nostro nostra mio mia questo questa quel quella os as nosso nossa meu minha esse
essa het onze ons mijn deze each every all another any
""".split())
# What a scheduler tells the agent to do with its check ("Follow the heartbeat monitor …", "Run the periodic check"),
# unless it is told not to ("Don't run the periodic check tonight").
_NOT_DOING = frozenset("don't dont not never nicht kein no ne non não nie не".split())
_DOING = frozenset("""
follow run do perform start execute complete begin for führe starte mache mach folge ejecuta realiza haz sigue inicia
lance effectue fais exécute suis esegui fai avvia segui execute faça realize inicie siga voer doe volg
""".split())

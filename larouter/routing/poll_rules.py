"""Check-in prompts (polls) recognised in a turn: the shipped default of `HeartbeatRules.polls`.

Each is a `Gated` regex: it runs only when one of its gate substrings is in the lowercased text.
"""

from __future__ import annotations

import attrs

from larouter.routing.quiet_rules import SCHEDULED_WORDS


@attrs.frozen
class Gated:
    """A regex that runs only when one of `gate` (lowercase substrings) is in the text; () = always. `starts`, when
    given, are lowercase literals every match begins with (case-insensitively; a match may also begin at the text's
    start): in an ASCII text the regex is then tried only where one of them is, not at every position."""

    pattern: str
    gate: tuple[str, ...] = ()
    starts: tuple[str, ...] = ()


POLLS: tuple[Gated, ...] = (
    Gated(r"\b(?:read|check|review|follow|open|consult|load|scan)\s+(?:the\s+)?(?:following\s+)?`?heartbeat\.md\b",
          ("heartbeat.md",)),
    Gated(r"\bheartbeat\s+(?:poll|check|tick|ping|prompt|run|wake|cycle|event|monitor|scratch)\b", ("heartbeat",)),
    Gated(r"\bperiodic(?:al)?\s+(?:heartbeat|check(?:-?in)?|wake(?:-?up)?|review|poll)\b", ("periodic",)),
    Gated(r"\bexecuting\s+(?:periodic|scheduled|heartbeat)\b", ("executing",)),
    Gated(r"\broutine\s+check(?:-?in|up)?\b", ("routine",)),
    Gated(r"\bscheduled\s+(?:wake(?:-?up)?|check(?:-?in)?|heartbeat)\b", ("scheduled",)),
    Gated(r"\bkeep-?alive\b", ("keep",)),
    Gated(r"\b(?:scheduled|periodic|routine|automated|timed)\s+(?:\w+\s+){0,2}?(?:invocation|poll|run"
          r"|trigger|tick|wake-?up|check(?:-?in)?|ping)\b",
          ("scheduled", "periodic", "routine", "automated", "timed")),
    Gated(r"\bcron\b[^.\n]{0,30}?\b(?:fired|triggered|tick|invoked)\b|\binvoked by (?:a |the )?(?:cron|scheduler"
          r"|schedule)|\binterval\s*=\s*\d", ("cron", "invoked", "interval")),
    Gated(r"\b(?:status|health|idle|liveness)\s+(?:poll|check|ping)\b", ("status", "health", "idle", "liveness")),
    Gated(r"\b(?:hourly|daily|nightly|background|periodic|scheduled|routine|regular|automatic|automated|system|timed"
          r"|\d+[- ]?min(?:ute)?)\s+(?:system\s+)?(?:check-?in|wake-?up|poll|tick|ping|heartbeat|sweep)\b",
          ("check", "wake", "poll", "tick", "ping", "heartbeat", "sweep"),
          starts=("hourly", "daily", "nightly", "background", "periodic", "scheduled", "routine", "regular", "automat",
                  "system", "timed", *"0123456789")),
    # A slash command alone, with a schedule note or key=value arguments ("/tick", "/tick (auto, every 60m)",
    # "/heartbeat shard=0 ..."); not one followed by prose or a mention ("/ping @marcus can you ...").
    Gated(r"\bstill alive\?|\bprobe #\d+|\A\s*/(?:tick|heartbeat|poll|ping|wake)\b"
          r"(?=[ \t]*(?:$|\n|\(|[\w.-]+=|[\w.-]+[ \t]+(?:[\w.-]+=|→|->|[:—–]|\d)))"
          r"|\bcron wake\b", ("alive", "probe", "/", "cron")),
    # A schedule annotation in parentheses: "(every 20 min)", "(alle 30 Minuten)", "(auto, every 60m)".
    Gated(r"\([^()\n]{0,20}(?:every|each|alle|toutes les|cada|ogni|elke|co|каждые|каждый|her|setiap|mỗi|varje"
          r"|každých|každé|كل|हर|每)\s*\d*\s*(?:s|sec|secs|seconds?|m|min|mins|minutes?|minuten|minutos|minuti"
          r"|minuter|minut|minuty|минут\w*|dakika|menit|phút|h|hr|hours?|heure|stunde|hora|ora|uur|godzin\w*|час\w*"
          r"|saat|jam|giờ|timme|hodin\w*|ساعة|घंटे|分钟?|小时|時間)\b[^()\n]{0,20}\)",
          ("(",)),
    # A scheduler event as JSON or a tag: {"event": "tick", ...}, <tick/>, <heartbeat seq="7"/>, <scheduled_check/>.
    Gated(r"\"(?:event|type|kind|ereignis|evento|événement|tipo|typ|action)\"\s*:\s*\"[\w.:-]*?"
          r"(?:tick|heartbeat|poll|wake(?:up)?|timer|cron|keepalive|ping)\b", ('"',)),
    Gated(r"\A\s*<\s*[\w:-]*(?:tick|heartbeat|poll|wake|timer|cron|scheduled_check|check_?in)[\w:-]*\b[^>]{0,200}>",
          ("<",)),
    Gated(r"\bwake-?up\s+(?:call|ping|event|tick)\b|\bfrom the scheduler\b|\bschedule(?:d)?\s+trigger\b|\bcron\s+trigger\b|\btriggered by (?:a |the )?(?:cron|schedule)",
          ("trigger", "wake", "scheduler")),
    # The whole turn is a poll word with at most a time or a counter: "tick", "poll 1545Z", "heartbeat #88".
    Gated(r"\A\W*(?:tick|poll|ping|heartbeat|keep-?alive|wake-?up)\b[\s\d:.,#/+Z-]*\Z"
          r"|\b(?:poll|tick|sweep|heartbeat)\s+(?:at\s+|@\s*)?(?:\d{1,2}[:.h]\d{2}\b|[01]\d[0-5]\dZ\b|#\d+)",
          ("tick", "poll", "ping", "heartbeat", "keep", "wake", "sweep"), starts=("poll", "tick", "sweep", "heartbeat")),
    # A tag opening the turn: "[heartbeat]", "[PERIODIC_CHECK]", "[system:heartbeat]", "[하트비트]".
    Gated(r"(?:\A|\n)[ \t]*\[[^\]\n]{0,20}(?:\b(?:periodic|check|poll|tick|heartbeat|cron|wake|scheduler?)"
          r"|_check|хартбит|пульс|하트비트|نبض|心跳|ハートビート|latido|herzschlag|battito|hartslag|pulso|nabız)"
          r"[^\]\n]{0,48}\]", ("[",)),
    # The word "heartbeat" in other languages, as agents translate it.
    Gated(r"battement de c(?:œ|oe)ur|\bherzschlag|\bbatimento\b|\bbattito\b|\bhartslag|bicie serca|сердцебиени"
          r"|kalp atışı|detak jantung|nhịp tim|hjärtslag|دقات القلب|धड़कन",
          ("battement", "herzschlag", "batimento", "battito", "hartslag", "bicie", "сердцебиени", "kalp", "detak",
           "nhịp", "hjärtslag", "دقات", "धड़कन")),
    # "Heartbeat." or "Ping-heartbeat." as a sentence of its own, in any script.
    Gated(r"(?:\A|[.!?。]\s+)(?:\w+-)?(?:heartbeat|хартбит|하트비트|ハートビート|心跳)(?:-\w+)?\s*[.!:。](?!\w)",
          ("heartbeat", "хартбит", "하트비트", "ハートビート", "心跳")),
    Gated(
        r"geplant\w*\s+(?:weckruf|prüfung|kontrolle|check|lauf)|(?:regelmäßig|periodisch)\w*\s+(?:prüfung|kontrolle"
        r"|überprüfung|check)"
        r"|réveil\s+programmé|(?:vérification|contrôle)\s+périodique|tâche\s+planifiée"
        r"|despertar\s+(?:programado|agendado)|(?:revisión|comprobación|chequeo|verificação|checagem)\s+periódica"
        r"|(?:chequeo|revisión|comprobación|control|verificación|verificação|checagem|vérification|contrôle|controllo"
        r"|verifica)\s+(?:programad[oa]|agendad[oa]|programmée?|planifiée?|programmat[oa]|pianificat[oa])"
        r"|risveglio\s+programmato|(?:controllo|verifica)\s+periodic[oa]"
        r"|geplande\s+(?:wekker|controle|check)|periodieke\s+(?:controle|check)"
        r"|zaplanowan\w*\s+(?:pobudk|kontrol|sprawdz)|(?:okresow|cykliczn)\w*\s+(?:kontrol|sprawdz)"
        r"|планов\w*\s+(?:пробуждени|проверк|запуск)|(?:периодическ|регулярн)\w*\s+проверк|по расписанию"
        r"|定時(?:起動|実行|チェック|確認)|定期(?:チェック|確認|点検|巡回)|定时(?:唤醒|检查|任务)|定期检查|例行检查"
        r"|zeitgesteuert\w*\s+(?:weckruf|lauf|check|prüfung)|(?:kickoff|pemicu|tugas|pengecekan|cek)\s+terjadwal"
        r"|नियमित\s+पिंग|حضور\s+مجدول|plánované\s+(?:probuzení|spuštění|kontrola)"
        r"|정기\s*(?:점검|확인|체크)|예약된\s*(?:점검|실행|웨이크업|깨우기|확인)|웨이크업|नियमित\s+जा[ँं]च|निर्धारित\s+जा[ँं]च"
        r"|فحص\s+دوري|(?:فحص|تحقق)\s+مجدول|zamanlanmış\s+(?:kontrol|uyanma)|periyodik\s+kontrol"
        r"|(?:cek|pemeriksaan|pengecekan)\s+(?:berkala|rutin|terjadwal)|kiểm tra định kỳ"
        r"|schemalagd\s+(?:väckning|kontroll)|periodisk\s+kontroll",
        SCHEDULED_WORDS,
    ),
    Gated(r'"type"\s*:\s*"heartbeat"', ('"heartbeat"',)),
    Gated(r"\A\s*\[[^\]\n]{0,40}\bheartbeat\b[^\]\n]{0,40}\]\s*\Z", ("heartbeat",)),
    Gated(r"\A\s*heartbeat\b\s*(?:[/:][^\n]{0,40})?\Z", ("heartbeat",)),
    # "心跳" is also the body's heart rate ("我夜里心跳经常低于45次/分"): a check-in near the start ("盘中心跳 11:00"),
    # in brackets or quotes or as a value ("类型": "心跳"), before a time or a separator, or before a check-in word.
    Gated(r"latido\s+peri[oó]dico|ハートビート|\A\W{0,3}\w{0,4}心跳|[【\[\"'：:=]\s*心跳|心跳\s*[\d:：|(（【\]】\"']"
          r"|心跳(?:检查|檢查|检测|轮询|巡检|包|任务|任務|消息|时间|時間|提示|唤醒)",
          ("latido", "心跳", "ハートビート")),
    Gated(
        r"heartbeat\.md`?\s*\(?(?:if (?:it )?exists|si existe|s'il existe|se existir|falls vorhanden"
        r"|wenn vorhanden|если (?:он )?(?:есть|существует)|(?:가|이)?\s*있으면)|如果存在\s*`?heartbeat\.md|heartbeat\.md`?\s*があれば",
        ("heartbeat.md",),
    ),
)


# A request to write code, in scripts that put the verb after its object ("HEARTBEAT_OK を取り除く … 関数を書いて",
# "写一个正则去掉 NO_REPLY", "… 함수를 작성해 줘"): it names the idle token as the code's subject, never asks for it.
CODE_REQUEST_CJK = Gated(
    r"(?:関数|コード|スクリプト|正規表現|プログラム|クエリ|函数|代码|代碼|脚本|腳本|正则|正則|程序|查询|查詢|함수|코드|스크립트"
    r"|정규식|쿼리)\s?(?:を|も|를|을)?\s?(?:書いて|作って|実装して|作成して|작성해|만들어|짜 ?줘|써 ?(?:주세요|줘))"
    r"|(?:写|寫|编写|編寫|实现|實現)(?:一个|一個|个|個|一段|一条|一條)?[^。\n]{0,30}?(?:函数|函數|代码|代碼|脚本|腳本|正则|正則"
    r"|程序|查询|查詢)",
    ("関数", "コード", "スクリプト", "正規表現", "プログラム", "クエリ", "函数", "函數", "代码", "代碼", "脚本", "腳本", "正则", "正則",
     "程序", "查询", "查詢", "함수", "코드", "스크립트", "정규식", "쿼리"),
)

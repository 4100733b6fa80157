"""Polls that report work (new items arrived, something is overdue, a run failed): the shipped default of
`HeartbeatRules.work_due`. A check-in they match is classified on its text, not as a heartbeat. Split from
heartbeat_rules.py when it passed 400 lines.

Each is a `Gated` regex: it runs only when one of its gate substrings is in the lowercased text.
"""

from __future__ import annotations

from larouter.routing.poll_rules import Gated

WORK_DUE: tuple[Gated, ...] = (
    # A count of things to handle ("2 new emails", "1 item due", "3 条"); starts with the digit so the regex
    # engine can skip to digits; \d*+ gives no digit back (never a digit after it); no id ("#42 call Mam"), no "0/4".
    Gated(r"[1-9](?<![#\d/][1-9])\d*+(?:\s+(?:new|unread|unanswered|unresolved|missed|waiting|queued|incoming|pending|overdue|failed"
          r"|open|firing|errors?|failures?|faults?|crash(?:es)?|exceptions?|timeouts?)\b"
          # "3 errors", "2 Fehler", "4 erreurs", "1 error" (not "0 errors"): a run's failures, whatever else says ok
          r"|\s+(?:fehler|erreurs?|errore|errori|errores|erros?|błęd[óy]w?|ошиб[а-я]*|помил[а-я]*|hata|kesalahan|lỗi"
          r"|fout(?:en)?|fel|virhettä|virheitä|σφάλματα|שגיאות|أخطاء|エラー|错误|錯誤|오류)(?!\w)"
          # "3 neue Bestellungen", "3 nouvelles commandes", "3 yeni sipariş", "2 nya ärenden", "3 новых заказа"
          r"|\s+(?:neue[nrs]?|nouveaux|nouvelles?|nuev[oa]s|nov[oa]s|nuov[ie]|nieuwe|nya|nye|uutta|uusia|nowe|nowych|nové"
          r"|nových|nov[ée]|új|noi|нов[а-яіїє]*|yeni|baru|mới|नए|नई|নতুন)(?!\w)|\s+(?:new\s+)?(?:messages?|e-?mails?|mails?|tickets?|comments?|mentions?|dms?|requests?"
          r"|orders?|alerts?|chats?|calls?)\b|\s+(?:\w+\s+)?(?:items?|tasks?|todos?|jobs?)\s+(?:(?:are|is)\s+)?"
          r"(?:due|pending|overdue|waiting)\b|\s*(?:条|件|個|个|건|통))", tuple("123456789")),
    Gated(r"(?<!\b0 )(?<!\bno )\bfiring\b", ("firing",)),
    Gated(r"\balert (?:triggered|fired)\b", ("alert ",)),
    Gated(r"<(?:\w+:)?\w*(?:offline|alarm|alert|error|exception|fail|fault|new|unread|pending|queue)\w*>\s*[1-9]"
          r"|<alarm\b[^>]*\blevel=|(?<![\w.])\w*(?:exception|error|fail|fault|alarm|alert|offline|queue|pending|unread)\w*"
          r"(?<!_at)(?<!_threshold)(?<!_limit)(?<!_max)(?<!_min)=[1-9]"  # not a setting: "disk_alert_at=90%"
          r"|\bstatus=(?:faulted|failed|error|down|critical)\b",
          ("<", "=")),
    Gated(r"\"\w*(?:new|unread|pending|due|open|queued|events|items|tasks|messages|exception|error|fail|fault|alarm"
          r"|alert|offline|异常|異常|待处理|未处理|未処理|未读|未読|新着|告警|故障|错误|失败|エラー|失敗|오류|장애|실패|미처리|신규)"
          r"\w*\"\s*:\s*(?:[1-9]|\[\s*[^\]\s])"
          r"|\b(?:count|new|unread|pending)\w*=\"[1-9]", ('":', '" :', '="')),
    Gated(r"\b(?:pending|new \w+|alerts?)\s*:\s*(?!none\b|0\b|nothing\b|n/?a\b|-|—|[a-z]+_[a-z_]+\b)[a-z]"
          r"|\b(?:new|unread|pending)\s+(?:\w+\s+){0,4}?(?:since[^:\n]{0,30})?:\s*[1-9]"
          # a line's label opening with "new", then how many: "New Typeform responses: 3" (not a date after it)
          r"|(?:^|(?<=[-*•·] ))new(?:[^\S\n]+[\w-]+){1,4}?[^\S\n]*:[^\S\n]*[1-9]\d*(?![\d:./-]|\s*\()",  # ("12 (all
          # passed captcha)": the described count's own rule reads what the brackets say)
          ("pending", "new ", "new\t", "new\n", "unread", "alert"), starts=("pending", "new", "alert", "unread")),
    Gated(r"(?:neue[sn]?|nouveaux|nouvelles?|nuev[oa]s|nov[oa]s|nuov[oi]|nieuwe|новы[ехй]|yeni|baru|mới|新しい|新的|새)\s*"
          r"\w{0,12}\s*[:：]\s*(?!0\b|none|nichts|rien|nada|niente|нет|yok|tidak|없음|なし|无|-|—)\S",
          ("neue", "nouve", "nuev", "nov", "nuov", "nieuwe", "новы", "yeni", "baru", "mới", "新", "새")),
    # "new" before what it counts and a number, without a colon ("neue Nachrichten 2", "नए संदेश ४", "nuevos pedidos 3");
    # one lookbehind for the word start (a \b per alternative made the regex ~5x slower).
    Gated(r"(?<!\w)(?:new|neue[nrs]?|nouveaux|nouvelles?|nuev[oa]s|nov[oa]s|nuov[ie]|nieuwe|нов[а-яіїє]*|yeni|baru|mới"
          r"|नए|नई|নতুন)\s[^\d\n:：,;·|]{0,24}?(?<![\d:.])(?![0٠۰०০])\d+(?![\d:.,]\d)",
          ("new ", "neue", "nouve", "nuev", "novo", "nova", "nuov", "nieuwe", "нов", "yeni ", "baru ", "mới ", "नए", "नई",
           "নতুন")),
    Gated(r"(?:الجديدة|جديدة|الجديد|नए|नई|المستحقة|अनुस्मारक|रिमाइंडर)[^\n:：]{0,16}[:：]\s*"
          r"(?!0\b|٠|कोई नहीं|कुछ नहीं|لا يوجد|لا توجد|لا شيء|-|—)\S",
          ("جديد", "नए", "नई", "المستحقة", "अनुस्मारक", "रिमाइंडर")),
    # "リマインダー：15:00 歯医者 — あと30分です": a reminder listed in a check-in is news (not "リマインダー：なし")
    Gated(r"(?:リマインダー|提醒事项|提醒事項|提醒|리마인더)[^\n:：]{0,8}[:：]\s*(?!0(?!\d)|なし|ありません|无|無|없음|-|—)\S",
          ("リマインダー", "提醒", "리마인더")),
    Gated(r"\boverdue\b|\bdue now\b|\bnow due\b|\bpast due\b|\[due\b|\bvencid[oa]s?\b|\bjatuh tempo sekarang\b"
          r"|überfällig|en retard|scaduto|просрочен|अभी देय|देय है|مستحقة? الآن|حان (?:الآن )?موعد"
          # due today: "boleto vence HOJE", "rent due today", "heute fällig", "scade oggi", "vence hoy"
          r"|\bdue today\b|\bvence(?:m)? (?:hoje|hoy)\b|\bscad(?:e|ono) oggi\b|\bheute fällig\b|\bfällig heute\b"
          r"|\béchéance aujourd'hui\b|\bexpire aujourd'hui\b|\bvervalt vandaag\b|\bсрок сегодня\b",
          ("overdue", "due now", "now due", "past due", "[due", "vencid", "jatuh tempo", "überfällig", "en retard",
           "scaduto", "просроч", "देय", "مستحق", "حان", "due today", "vence", "oggi", "fällig", "aujourd'hui",
           "vandaag", "сегодня")),
    # An idle reply conditioned on a computation ("reply HEARTBEAT_OK only if the invoices below add up to 4,821.50",
    # "if the average of these p95 values is above 240 ms, alert …", "reply OK if 3599 is prime"): the model must
    # compute before it may answer idle (blind v37-v39).
    Gated(r"\b(?:if|unless|whether)\b[^.\n]{0,100}?(?:\b(?:average|mean|median|standard deviation|primes?|divisible)\b"
          r"|\bsum of\b|\bthe sum |\badds? up\b|\b(?:is|are|be) (?:even|odd)\b)",
          ("average", "mean", "median", "sum of", "the sum ", "deviation", "prime", "divisible", "add up", "adds up",
           "is even", "is odd", "are even", "are odd", "be even", "be odd")),  # (not "the summary": ~15 us a check-in)
    # ... a total of the amounts it lists compared with a bound ("If their total exceeds 5,000 EUR, send me …"), or a
    # judgement of the date ("if today is the last business day of the month, remind me …"): blind v41.
    Gated(r"\b(?:if|unless|whether|once)\b[^.\n]{0,60}?(?:\b(?:their|the|its) total (?:exceeds|is (?:above|over|more than|"
          r"greater than|at least|below|under|less than)|goes (?:above|over|below)|>|≥|<|≤)\s*[$€£]?\s*[1-9]"
          r"|\btoday is (?:the |a )?(?:last|first|final|business|working|week|end|month|quarter|holiday|public))",
          ("their total ", "the total ", "its total ", "today is ")),
    # ... or asked as a task before the condition ("…: add up the unpaid invoices below. If the total is above €5,000,
    # draft …; otherwise reply HEARTBEAT_OK", blind v40).
    Gated(r"(?:^|[.:;!]\s+|:\s*)(?:please\s+)?(?:add up|sum up|total up|compute|calculate)\b",
          ("add up", "sum up", "total up", "compute", "calculate")),
    # A run that failed: a non-zero exit code, a Python traceback or exception ("exit_code=1", "KeyError: 'id'").
    Gated(r"\bexit(?:_?code|_?status)?\s?[=:]\s?[1-9]\d*\b|\bexit(?:ed)? (?:with )?(?:code|status) [1-9]"
          r"|\bTraceback \(most recent call last\)|(?<![\w.])[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Error|Exception): ",
          ("exit", "traceback", "error: ", "exception: ")),
)

"""Words of people's requests that a scheduler's check-in never opens with or contains (shipped defaults of
`HeartbeatRules`): "why", "explain", "I need", "from now on", in the languages agents are run in."""

from __future__ import annotations

# A request that opens like this is about heartbeats, not one (unless it also says how to ack).
NOT_A_POLL_OPENERS = (
    "update", "rewrite", "edit", "change", "modify", "add", "remove", "delete", "create",
    "write", "disable", "enable", "turn", "pause", "stop", "configure", "set", "schedule",
    "rename", "fix", "improve", "shorten", "explain", "describe", "tell", "show", "why", "what",
    "how", "when", "where", "can", "could", "would", "is", "does", "do", "should", "design", "build",
    "implement", "compare", "plan", "draft", "analyze", "analyse", "refactor", "migrate", "deploy", "debug",
    "investigate", "translate", "generate", "prove", "solve", "compute", "calculate", "derive", "evaluate", "simplify",
    "summarize", "summarise", "suggest", "recommend", "convert", "compose", "outline", "optimize", "optimise",
    "warum", "wieso", "weshalb", "pourquoi", "porque", "perché", "почему", "зачем", "waarom", "dlaczego",
    "neden", "kenapa", "mengapa", "varför", "لماذا", "क्यों", "spiegami", "spiega", "explique", "explícame",
    "explica", "erkläre", "erklär", "объясни", "wyjaśnij", "açıkla", "jelaskan", "förklara",
    # write / explain / fix / how in more languages ("Viết hàm health check ...", "اشرح لي ... keep-alive")
    "viết", "sửa", "tạo", "làm", "hãy", "tulis", "tuliskan", "buat", "buatkan", "perbaiki", "bagaimana",
    "اشرح", "كيف", "بنویس", "توضیح", "چرا", "چطور", "लिखो", "लिखिए", "समझाओ", "समझाइए", "कैसे", "yaz", "nasıl",
    "napisz", "popraw", "напиши", "поясни", "исправь", "как", "чому", "як", "schreib", "schreibe", "wie",
    "écris", "écrivez", "comment", "escribe", "escreva", "explique", "scrivi", "schrijf", "hoe", "skriv", "hur",
    "napiš", "vysvětli", "proč", "γράψε", "εξήγησε", "γιατί", "πώς", "כתוב", "הסבר", "למה", "איך",
    "что", "какой", "какие", "какая", "сколько", "що", "який", "які", "скільки", "qué", "cuál", "quel", "quelle",
    "welche", "welcher", "was", "quale", "cosa", "jaki", "jakie", "co", "hangi", "ne", "apa", "berapa",
    "cómo", "dónde", "cuándo", "quién", "cuánto", "cuántos", "cuántas",
    "qual", "quais", "quando", "onde", "quem", "quantos", "quantas",
    # change / switch off in more languages ("Zmień token bezczynności na „CISZA” i wyłącz heartbeat w nocy")
    "zmień", "wyłącz", "ändere", "deaktiviere", "cambia", "cambie", "desactiva", "modifie", "désactive", "modifica",
    "disattiva", "altere", "mude", "desative", "измени", "поменяй", "отключи", "зміни", "вимкни", "değiştir", "kapat",
    "ubah", "ganti", "matikan", "verander", "wijzig", "ändra", "endre", "změň", "vypni", "zmeň",
    # what / when / how much in more languages ("Wat is een goede waarde voor TCP keepalive ...?")
    "wat", "welke", "hoeveel", "wanneer", "hva", "hvad", "vad", "hvilken", "när", "når", "jak", "kdy", "kde", "kolik",
    "cum", "când", "hogyan", "miért", "mikor", "mikä", "miten", "kuinka", "milloin", "τι", "πότε", "πού", "מה",
    "מתי", "متى", "ماذا", "چه", "چگونه", "کی",
    # Esperanto, Catalan, Galician and Hungarian requests and questions ("Reverku ĉi tiun keep-alive-mesaĝon ...",
    # "Que é o keepalive de TCP ...?")
    "reverku", "skribu", "traduku", "klarigu", "korektu", "ŝanĝu", "kial", "kiel", "kio", "escriu", "reescriu",
    "tradueix", "canvia", "que", "írd", "írj", "fordítsd", "magyarázd", "változtasd",
    # Swahili ("Eleza tofauti kati ya heartbeat na health check ...")
    "eleza", "andika", "tafsiri", "fafanua", "badilisha", "rekebisha", "tengeneza", "kwanini", "vipi",
)

# A turn starting like this asks about heartbeats even when it quotes the ack ("Why do you keep replying
# NEST_QUIET ...?"): "why" in any language, Spanish questions, and requests in scripts written without spaces.
NOT_A_POLL_PREFIXES = (
    "为什么", "为何", "怎么", "帮我", "请帮", "解释", "解釋", "请解释", "说明一下", "介绍一下", "なぜ", "どうして", "왜",
    "설명해", "tại sao", "ช่วยอธิบาย", "อธิบาย", "ทำไม",
    "why ", "why'", "warum ", "wieso ", "weshalb ", "pourquoi ", "por qué ", "porque ", "perché ", "почему ", "зачем ",
    "чому ", "waarom ", "dlaczego ", "neden ", "kenapa ", "mengapa ", "varför ", "hvorfor ", "miksi ", "proč ",
    "γιατί ", "למה ", "لماذا", "چرا ", "क्यों", "কেন ", "ஏன் ",
    "bug:", "bug report", "i need ", "i want ", "i'd like ", "i would like ", "we need ", "help me ", "ich brauche ",
    "j'ai besoin ", "necesito ", "preciso ", "mi serve ", "мне нужно ", "мне нужен ", "мені потрібно ", "potrzebuję ",
    "saya perlu ", "saya butuh ", "tôi cần ", "我需要", "私は",
    "¿por qué", "¿cómo", "¿dónde", "¿cuándo", "¿qué", "¿cuál", "¿quién", "¿cuánto", "¿cuántos", "¿cuántas",
)

# "From now on ..." changes how the agent answers or how often it is woken: a person's request, never a beat
# ("Tolong mulai sekarang balasan cek rutin diganti jadi 👍 saja", "From now on make the check-ins hourly").
FROM_NOW_ON = (
    "from now on", "starting now", "going forward", "from today on", "von nun an", "ab jetzt", "ab sofort",
    "à partir de maintenant", "désormais", "dorénavant", "de ahora en adelante", "a partir de ahora", "desde ahora",
    "d'ora in poi", "da ora in poi", "d'ora in avanti", "a partir de agora", "daqui em diante", "daqui pra frente",
    "отныне", "с этого момента", "с сегодняшнего дня", "впредь", "відтепер", "з цього моменту", "odtąd",
    "od teraz", "od tej chwili", "od teď", "odteď", "bundan sonra", "şu andan itibaren", "mulai sekarang",
    "mulai hari ini", "mulai besok", "mulai saat ini", "từ giờ", "từ nay", "kể từ bây giờ", "voortaan",
    "vanaf nu", "från och med nu", "hädanefter", "fra nå av", "fremover", "tästä lähtien", "από τώρα και στο εξής",
    "מעכשיו", "من الآن فصاعدا", "من الآن فصاعدًا", "अब से", "从现在开始", "从现在起", "今後は", "今から", "앞으로는", "지금부터",
)

# Words that open a request or a message from a person ("Look over the config ...", "I need ...", "Our ..."):
# a report after one is not a quiet report, and the learned check-in model is not asked about such a turn.
REQUEST_OPENERS = frozenset({
    "prove", "solve", "derive", "compose", "calculate", "compute", "summarize", "summarise", "review", "please",
    "help", "find", "give", "list", "make", "look", "think", "research", "send", "book", "order", "i", "i'm", "i've",
    "we", "let's", "my", "our", "you", "your", "now", "also", "then", "next",
})


# A request that opens like this writes, translates or explains something, whatever idle token it quotes: checked
# even when the turn says how to ack ("Escriu-me un HEARTBEAT.md ... que si no hi ha res respongui HEARTBEAT_OK").
AUTHORING_OPENERS = (
    "write", "rewrite", "draft", "compose", "translate", "explain", "escribe", "escreva", "escriu", "reescriu",
    "écris", "écrivez", "schreib", "schreibe", "schrijf", "scrivi", "napisz", "napiš", "напиши", "skriv", "skribu",
    "yaz", "tulis", "tuliskan", "viết", "andika", "γράψε", "כתוב", "بنویس", "लिखो", "लिखिए", "írd", "írj",
    "tradueix", "traduku", "tafsiri", "fordítsd", "erklär", "erkläre", "explica", "explique", "explícame", "spiega",
    "spiegami", "förklara", "wyjaśnij", "объясни", "поясни", "vysvětli", "magyarázd", "jelaskan", "eleza",
    "fafanua", "klarigu", "açıkla", "εξήγησε", "הסבר", "اشرح", "توضیح", "समझाइए", "समझाओ",
    "أعد", "اعد", "اكتب", "ترجم",  # Arabic: rewrite ("أعد كتابة"), write, translate
)

# "Can you …", "is …", "should …" opening a turn in more languages ("Kannst du die periodische Prüfung im Skript
# erklären?", "¿Puedes explicar la revisión periódica …?"): a person asking about the check-in, never one. Only the
# turn's first word is read (inside a check-in these are everyday words: "Mi." is Wednesday).
MODAL_OPENERS = (
    "kannst", "könntest", "können", "könnten", "kann", "ist", "sind", "soll", "sollte", "sollten", "muss", "hast",
    "puedes", "podrías", "puede", "podría", "pueden", "podemos", "debería", "peux", "pouvez", "pourrais", "pourriez",
    "puis", "dois", "devrais", "puoi", "potresti", "può", "potete", "dovrei", "podes", "pode", "poderia", "podem",
    "deveria", "kun", "kunt", "kan", "moet", "zou", "czy", "możesz", "можешь", "можете", "можно", "me",
    # moving the check-in ("Перенеси регулярную проверку на 10 утра")
    "перенеси", "verschiebe", "mueve", "déplace", "sposta", "mova", "przesuń", "reschedule",
)

"""Names of months and days of the week as check-ins write them, in the languages agents are run in (read by
`due.py`): each name maps to its number (months 1-12, days 0-6 from Monday). Read-only mappings. And the words for the
part of the day that read a 12-hour time ("शाम 7:00", "3:00 ng hapon")."""

from __future__ import annotations

from types import MappingProxyType

# Month names: English, full or abbreviated; in French, German, Spanish, Italian, Portuguese, Dutch and 27 more
# languages, full ("12 mars 2026", "12. März 2026", "12 de marzo de 2026", "1 lipca 2026"), whose abbreviations are
# words elsewhere ("mar", "mai", "set").
_months = {m: i for i, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"), 1) for m in (name, name[:3])}
_months.update({m: i for names in (
    ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
     "décembre"),
    ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november",
     "dezember"),
    ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre",
     "diciembre"),
    ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre",
     "novembre", "dicembre"),
    ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro",
     "dezembro"),
    ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november",
     "december"),
    # as dates write them in pl, ru, uk, cs, el (the genitive: "1 lipca 2026", "1 июля"), tr, sv, da, nb, id, fi, ro, ar
    ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października",
     "listopada", "grudnia"),
    ("styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec", "sierpień", "wrzesień", "październik",
     "listopad", "grudzień"),
    ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября",
     "декабря"),
    ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня", "листопада",
     "грудня"),
    ("ledna", "února", "března", "dubna", "května", "června", "července", "srpna", "září", "října", "listopadu",
     "prosince"),
    ("ιανουαρίου", "φεβρουαρίου", "μαρτίου", "απριλίου", "μαΐου", "ιουνίου", "ιουλίου", "αυγούστου", "σεπτεμβρίου",
     "οκτωβρίου", "νοεμβρίου", "δεκεμβρίου"),
    ("ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim", "kasım", "aralık"),
    ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november",
     "december"),
    ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november",
     "december"),
    ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november",
     "desember"),
    ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september", "oktober", "november",
     "desember"),
    ("tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta", "kesäkuuta", "heinäkuuta", "elokuuta",
     "syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta"),
    ("ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august", "septembrie", "octombrie",
     "noiembrie", "decembrie"),
    ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"),
    # hu, et, lt (genitive), bg, sr (Cyrillic), ca, sw, hy (genitive), ka, ur, hi, mr, ne, bn (not Croatian: its "listopada" is
    # October, Polish November)
    ("január", "február", "március", "április", "május", "június", "július", "augusztus", "szeptember", "október",
     "november", "december"),
    ("jaanuar", "veebruar", "märts", "aprill", "mai", "juuni", "juuli", "august", "september", "oktoober", "november",
     "detsember"),
    ("sausio", "vasario", "kovo", "balandžio", "gegužės", "birželio", "liepos", "rugpjūčio", "rugsėjo", "spalio",
     "lapkričio", "gruodžio"),
    ("януари", "февруари", "март", "април", "май", "юни", "юли", "август", "септември", "октомври", "ноември",
     "декември"),
    ("јануар", "фебруар", "март", "април", "мај", "јун", "јул", "август", "септембар", "октобар", "новембар",
     "децембар"),
    ("gener", "febrer", "març", "abril", "maig", "juny", "juliol", "agost", "setembre", "octubre", "novembre",
     "desembre"),
    ("januari", "februari", "machi", "aprili", "mei", "juni", "julai", "agosti", "septemba", "oktoba", "novemba",
     "desemba"),
    ("հունվարի", "փետրվարի", "մարտի", "ապրիլի", "մայիսի", "հունիսի", "հուլիսի", "օգոստոսի", "սեպտեմբերի", "հոկտեմբերի",
     "նոյեմբերի", "դեկտեմբերի"),
    ("იანვარი", "თებერვალი", "მარტი", "აპრილი", "მაისი", "ივნისი", "ივლისი", "აგვისტო", "სექტემბერი", "ოქტომბერი",
     "ნოემბერი", "დეკემბერი"),
    ("جنوری", "فروری", "مارچ", "اپریل", "مئی", "جون", "جولائی", "اگست", "ستمبر", "اکتوبر", "نومبر", "دسمبر"),
    # hi (two spellings), mr, ne, bn
    ("जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर"),
    ("जनवरी", "फरवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितम्बर", "अक्तूबर", "नवम्बर", "दिसम्बर"),
    ("जानेवारी", "फेब्रुवारी", "मार्च", "एप्रिल", "मे", "जून", "जुलै", "ऑगस्ट", "सप्टेंबर", "ऑक्टोबर", "नोव्हेंबर",
     "डिसेंबर"),
    ("जनवरी", "फेब्रुअरी", "मार्च", "अप्रिल", "मे", "जुन", "जुलाई", "अगस्ट", "सेप्टेम्बर", "अक्टोबर", "नोभेम्बर",
     "डिसेम्बर"),
    ("জানুয়ারি", "ফেব্রুয়ারি", "মার্চ", "এপ্রিল", "মে", "জুন", "জুলাই", "আগস্ট", "সেপ্টেম্বর", "অক্টোবর", "নভেম্বর",
     "ডিসেম্বর"))
    for i, m in enumerate(names, 1)})

# The days of the week an item is labelled with: "Fri: water plants", "Mondays 18:00 — gym", "Mon-Fri: stand-up",
# "every Sunday: backup report", "due Wed: rent" (English; full names in a few other languages, whose abbreviations
# are words or months elsewhere: "mar", "do").
_weekdays = {name: i for i, names in enumerate((
    ("monday", "mon", "montag", "lundi", "lunes", "lunedì", "maandag", "segunda-feira", "segunda"),
    ("tuesday", "tue", "tues", "dienstag", "mardi", "martes", "martedì", "dinsdag", "terça-feira", "terça"),
    ("wednesday", "wed", "mittwoch", "mercredi", "miércoles", "mercoledì", "woensdag", "quarta-feira", "quarta"),
    ("thursday", "thu", "thur", "thurs", "donnerstag", "jeudi", "jueves", "giovedì", "donderdag", "quinta-feira"),
    ("friday", "fri", "freitag", "vendredi", "viernes", "venerdì", "vrijdag", "sexta-feira", "sexta"),
    ("saturday", "sat", "samstag", "samedi", "sábado", "sabato", "zaterdag"),
    ("sunday", "sun", "sonntag", "dimanche", "domingo", "domenica", "zondag"))) for name in names}
_weekdays.update({name: i for i, names in enumerate((  # ja, zh, ko: full names, which are no other words
    ("月曜日", "月曜", "星期一", "周一", "週一", "월요일"), ("火曜日", "火曜", "星期二", "周二", "週二", "화요일"),
    ("水曜日", "水曜", "星期三", "周三", "週三", "수요일"), ("木曜日", "木曜", "星期四", "周四", "週四", "목요일"),
    ("金曜日", "金曜", "星期五", "周五", "週五", "금요일"), ("土曜日", "土曜", "星期六", "周六", "週六", "토요일"),
    ("日曜日", "日曜", "星期日", "星期天", "周日", "週日", "일요일"))) for name in names})
_weekdays.update({name: i for i, names in enumerate((  # pl ru uk tr hi th id vi sv da/no fi cs (not "pazar", "minggu":
    # market, week)
    ("poniedziałek", "понедельник", "понеділок", "pazartesi", "सोमवार", "วันจันทร์", "senin", "thứ hai", "måndag",
     "mandag", "maanantai", "pondělí"),
    ("wtorek", "вторник", "вівторок", "salı", "मंगलवार", "วันอังคาร", "selasa", "thứ ba", "tisdag", "tirsdag", "tiistai",
     "úterý"),
    ("środa", "środę", "среда", "среду", "середа", "середу", "çarşamba", "बुधवार", "วันพุธ", "rabu", "thứ tư", "onsdag",
     "keskiviikko", "středa", "středu"),
    ("czwartek", "четверг", "четвер", "perşembe", "गुरुवार", "วันพฤหัสบดี", "วันพฤหัส", "kamis", "thứ năm", "torsdag",
     "torstai", "čtvrtek"),
    ("piątek", "пятница", "пятницу", "п'ятниця", "п'ятницю", "cuma", "शुक्रवार", "วันศุกร์", "jumat", "thứ sáu", "fredag",
     "perjantai", "pátek"),
    ("sobota", "sobotę", "суббота", "субботу", "субота", "суботу", "cumartesi", "शनिवार", "วันเสาร์", "sabtu", "thứ bảy",
     "lördag", "lørdag", "lauantai"),
    ("niedziela", "niedzielę", "воскресенье", "неділя", "неділю", "रविवार", "วันอาทิตย์", "chủ nhật", "söndag", "søndag",
     "sunnuntai", "neděle", "neděli"))) for name in names})
_weekdays.update({name: i for i, names in enumerate((  # el, ar
    ("δευτέρα", "الاثنين", "الإثنين"), ("τρίτη", "الثلاثاء"), ("τετάρτη", "الأربعاء", "الاربعاء"), ("πέμπτη", "الخميس"),
    ("παρασκευή", "الجمعة"), ("σάββατο", "السبت"), ("κυριακή", "الأحد", "الاحد"))) for name in names})
_weekdays.update({name: i for i, names in enumerate((  # et hu lt bg ca sw hy ka (not the Armenian Saturday or the
    # Georgian Sunday: each is also the word for "week")
    ("esmaspäev", "hétfő", "pirmadienis", "понеделник", "dilluns", "jumatatu", "երկուշաբթի", "ორშაბათი"),
    ("teisipäev", "kedd", "antradienis", "вторник", "dimarts", "jumanne", "երեքշաբթի", "სამშაბათი"),
    ("kolmapäev", "szerda", "trečiadienis", "сряда", "dimecres", "jumatano", "չորեքշաբթի", "ოთხშაბათი"),
    ("neljapäev", "csütörtök", "ketvirtadienis", "четвъртък", "dijous", "alhamisi", "հինգշաբթի", "ხუთშაბათი"),
    ("reede", "péntek", "penktadienis", "петък", "divendres", "ijumaa", "ուրբաթ", "პარასკევი"),
    ("laupäev", "szombat", "šeštadienis", "събота", "dissabte", "jumamosi", "შაბათი"),
    ("pühapäev", "vasárnap", "sekmadienis", "неделя", "diumenge", "jumapili", "կիրակի"))) for name in names})

# Words for the part of the day that put a 12-hour time in the afternoon or the morning: written before the time in
# hi, bn, zh, ja, ko, vi, th ("शाम 7:00", "下午 3:40", "오후 2:00"), after it in fil, ar, id ("3:00 ng hapon", "3:00 مساءً").
_PM_BEFORE = ("दोपहर", "शाम", "रात", "বিকেল", "সন্ধ্যা", "দুপুর", "রাত", "下午", "晚上", "傍晚", "午後", "오후", "저녁", "chiều",
              "tối", "บ่าย", "เย็น")
_AM_BEFORE = ("सुबह", "प्रातः", "সকাল", "ভোর", "上午", "早上", "凌晨", "午前", "오전", "아침", "sáng", "เช้า")
_PM_AFTER = ("ng hapon", "ng gabi", "مساءً", "مساء", "sore", "malam", "siang", "chiều", "tối")
_AM_AFTER = ("ng umaga", "صباحًا", "صباحا", "pagi", "sáng")


def meridiem_around(text: str, start: int, end: int) -> str | None:
    """"p" or "a" when a word for the part of the day stands right before or after the time at text[start:end]
    ("शाम 7:00" is 19:00), else None."""
    before = text[max(0, start - 10) : start].rstrip()
    if before.endswith(_PM_BEFORE):
        return "p"
    if before.endswith(_AM_BEFORE):
        return "a"
    after = text[end : end + 12].lstrip().lower()
    if after.startswith(_PM_AFTER):
        return "p"
    return "a" if after.startswith(_AM_AFTER) else None


MONTHS = MappingProxyType(_months)
WEEKDAYS = MappingProxyType(_weekdays)
del _months, _weekdays

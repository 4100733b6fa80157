"""Configuration for quiet status reports (shipped defaults): the words `quiet.py` reads, per language."""

from __future__ import annotations

import attrs

from larouter.routing.bounds import number
# "Scheduled wake-up", "periodic check", "routine check" in the languages agents are run in (lowercase stems).
# Only the scheduling words: nouns such as "control" or "verifica" are everyday words in real requests and would
# open this gate (and the heartbeat checks behind it) for them.
SCHEDULED_WORDS = (
    "geplant", "weckruf", "regelmäßig", "periodisch", "programmé", "périodique", "planifié", "programad", "periódic",
    "agendad", "programmat", "pianificat", "periodic", "gepland", "periodiek", "zaplanowan", "okresow", "cykliczn",
    "планов", "периодическ", "регулярн", "по расписанию", "定時", "定期", "定时", "例行", "정기", "예약", "웨이크업",
    "नियमित", "निर्धारित", "دوري", "مجدول", "zamanlanmış", "periyodik", "berkala", "terjadwal", "rutin",
    "định kỳ", "schemalagd", "periodisk", "zeitgesteuert", "plánované", "पिंग",
)
# More of them, read only in a report's header (not a gate: every request pays for each gate word, ~85 ns).
MORE_SCHEDULED_WORDS = (
    "ajastettu", "ajastatud", "suplanuota", "ieplānot", "áætluð", "ütemezett", "plánovan", "zakazan", "načrtovan",
    "programat", "планиран", "запланован", "προγραμματισμέν", "מתוזמן", "排程", "naka-iskedyul", "iliyopangwa",
    "uliopangwa", "planlagt", "திட்டமிட்ட",
)
# Words that name an automatic sender ("Hola, soy el recordatorio automático de Huerto Vivo"): with the scheduling
# words, what makes a clause before the report part of its header.
AUTOMATIC_WORDS = (
    "automatic", "automated", "automatique", "automático", "automática", "automatico", "automatica", "automatisch",
    "automatisk", "automatiske", "automatiska", "automaattinen", "automatyczn", "automatick", "otomatik", "otomatis",
    "автоматическ", "автоматичн", "αυτόματ", "אוטומטי", "تلقائي", "آلي", "स्वचालित", "自动", "自動", "자동", "tự động",
)


@attrs.frozen
class QuietReportRules:
    """A scheduler's status report in which every line says "nothing" is a heartbeat in any convention (see
    `quiet.py`): words for none/no/zero, for all-is-well, and for "if" (the idle instruction) per language."""

    max_chars: int = number(600, 0, note="0 turns the check off")
    none_words: tuple[str, ...] = tuple("""
no none nothing nobody zero empty nil null خالی بیکار रिकामी रिकामे रिकामा gwag kein keine keinen keiner keines nichts aucun aucune rien ningún ninguna
ninguno nada sin nenhum nenhuma sem nessun nessuna nessuno niente geen niets brak żadnych żadnej żadne nic žádné žádná
žádný není нет немає ничего нічого жодних жодного yok hiç hiçbir tidak kosong hakuna inga ingen inget ei κανένα καμία
κανένας δεν nicio niciun nimic لا هیچ نیست אין không chưa empty pusta pusty puste пусто пустая порожня vacía vacío vacíos vazia
vazio vide leer leeg tom boş trống prázdná prázdný prázdné nincs nincsenek niciunul niciuna tiada wala ندارد نہیں
لا_يوجد לא
pole nėra nera nav nema нема няма nijedan nijedna nijedno engin engar enginn ekkert ekki walang hamna belum ni
ولا bez beze без sans senza zonder ohne utan uden uten ilman tanpa порожню порожній пустой пустым пустую prázdnou pustą
არაფერი არ չկա ոչինչ ոչ ez ezer dim heb níl gan neniu neniuj nenio жоқ awekho akukho lutho байхгүй үгүй asnjë žiadne
žiadna žiadny nekas niks kò የለም yox yoxdur
فارغ فارغا فارغًا
نشته nîne алга չկան مفيش مافيش babu nuk ebda нічога
""".split())
    none_cjk: tuple[str, ...] = tuple("ไม่มี 没有 沒有 無し なし ありません 不要 无 暂无 없음 없습니다 없어요 नहीं 0건 0개 0件 0条 নেই இல்லை లేదు"
                                      " 空の応答 空で 空回复 留空 無新 无新"
                                      " नाही లేవు ఏమీ ບໍ່ມີ មិនមាន မရှိ 冇 નથી ਨਹੀਂ छैन නැත ಇಲ್ಲ ഇല്ല"
                                      .split())
    # A "no" before one of these is trouble, not quiet: "no response from db-01", "keine Verbindung", "нет связи".
    trouble_words: tuple[str, ...] = tuple("""
response responses reply answer connection connectivity signal data power network internet contact
backup backups space access service link uplink verbindung antwort signal daten strom netz réponse connexion données
courant réseau respuesta conexión señal datos red resposta conexão sinal dados rede risposta connessione segnale dati
rete связи ответа сигнала данных сети питания зв'язку відповіді сигналу даних мережі bağlantı yanıt sinyal veri koneksi
jaringan odpowiedzi połączenia sygnału danych odpovědi připojení signálu
""".split())
    trouble_cjk: tuple[str, ...] = tuple("连接 响应 信号 网络 応答 接続 ネットワーク 연결 응답 신호 네트워크".split())
    # An item in one of these states is trouble on its own, whatever the report around it says ("lift: one car stuck",
    # "bank file rejected", "token revoked"), unless its clause says none or zero ("no failed payments", "offline: 0").
    # States, not nouns: "leak sensor dry", "error rate 0.1%", "smoke detector tested" name what is measured.
    broken_words: tuple[str, ...] = tuple("""
failed failing broken broke crashed crashing stuck leaking flooding jammed rejected revoked expired expiring offline
unreachable unresponsive unavailable disconnected degraded overheating overheated unplugged dead down outage tripped
missing lost defective unlocked
fehlgeschlagen defekt kaputt ausgefallen gestört offline unerreichbar échoué échec panne cassé défectueux injoignable
fallido falló averiado averiada caído caída roto desconectado desconectada falhou falha quebrado quebrada avariado
fallito guasto guasta rotto irraggiungibile mislukt kapot misslyckades trasig trasigt feilet
mislyktes ødelagt epäonnistui rikki rikkinäinen nieudane awaria uszkodzony zepsuty selhalo porucha rozbitý sikertelen
hibás meghibásodott eșuat defectă avariat απέτυχε χαλασμένος χαλασμένο βλάβη сбой ошибка сломан сломана
сломался неисправен недоступен отключен збій зламаний несправний недоступний başarısız arızalı bozuk çöktü gagal rusak
terputus hỏng lỗi נכשל תקול מושבת فشل فشلت تعطل معطل متوقف ناموفق خراب قطع विफल खराब ठप ব্যর্থ নষ্ট
entriegelt unverriegelt aufgeschlossen déverrouillé déverrouillée desbloqueado desbloqueada destrancado destrancada
sbloccato sbloccata ontgrendeld olåst ulåst niezamknięte niezamknięty odblokowane odblokowany отперто отперта
незаперто незамкнено odemčeno kilitsiz
""".split())
    # Negations that turn an all-is-well word into trouble when they stand right before it ("unit C not normal").
    negations: tuple[str, ...] = tuple("""
not no nicht kein keine pas non nao não ne nie niet inte ikke ekki nem nu не ні δεν değil tidak bukan không
""".split())
    well_words: tuple[str, ...] = tuple("""
ok okay green online up healthy normal nominal clear quiet idle passed success successful fine calm grün verde vert
zielone зелені зелёные yeşil hijau xanh нормально норме нормі норми спокійно tranquilo tranquille ruhig calm calme calma
tranquila tranquillo spokojnie spokojeno klid rustig lugnt sakin tenang yên bình ήσυχα liniște 平静 正常 平穏 정상 ปกติ
unchanged unverändert inchangé inchangée inchangés inchangées invariato invariata ongewijzigd oförändrad oförändrat
uændret uendret ennallaan muuttumaton nezměněno nezmenené változatlan neschimbat αμετάβλητο değişmedi stable stabil
stabilny stabilne estable estável stabile стабильно стабільно 无变化 無變化 変更なし 稳定
dentro normalt normale normaal normalny normalna normalne normální normaali kawaida طبيعي الطبيعي within ضمن norm norma norme
normie норма нормы
done completed finished erledigt abgeschlossen terminé terminée completado completada concluído concluída completato
completata выполнено завершено виконано tamamlandı selesai xong klart valmis afgerond voltooid expected planned
erwartet geplant prévu previsto planeado תקין תקינים תקינה
responding reachable connected working operational चालू सुरू paid handled processed confirmed assigned auto-assigned shipped
bereikbaar operationeel beschikbaar erreichbar betriebsbereit verfügbar joignable opérationnel opérationnelle disponible
accesible operativo operativa operacional disponível raggiungibile dostępny dostępna działa доступен доступно работает
працює доступний erişilebilir çalışıyor tersedia beroperasi
delivered answered replied
locked closed shut armed dry verriegelt geschlossen zugesperrt scharf trocken verrouillé verrouillée fermé fermée
fermés fermées armé armée sec sèche cerrado cerrada cerrados cerradas armado armada seco seca trancado trancada
fechado fechada fechados fechadas chiuso chiusa chiusi chiuse inserito asciutto asciutta vergrendeld gesloten
ingeschakeld droog zamknięte zamknięty zamknięta uzbrojony uzbrojona suche suchy заперто заперта закрыто закрыта
закрыты сухо замкнено зачинено зачинені сухо kilitli kapalı kuru terkunci tertutup kering låst stängd stängda torr
lukossa kiinni kuiva zamčeno zavřeno suché
""".split())
    # (The states a home's status board reports when all is well, "locked", "closed", "armed", "dry", are among
    # them: "unlocked", "open" and "wet" are other words.)
    # All-is-well in scripts written without spaces or with combining marks ("(正常)", "सामान्य").
    well_cjk: tuple[str, ...] = tuple("正常 平稳 सामान्य ठीक भीतर ปกติ 정상".split())
    if_words: tuple[str, ...] = tuple("""
if unless jeśli jeżeli pokud jestli wenn falls si se als om eğer jika kalau bila nếu если якщо αν dacă jos kama
heke бол لو haddii idan
ako ако jei kui ef hvis ak če kung agar إن εάν yoksa yoxdursa
თუ եթե os mura má егер uma nëse as
""".split())
    if_cjk: tuple[str, ...] = tuple("如果 もし なら なければ 場合 만약 면 אם اگر إذا ถ้า अगर यदि नसल्यास లేకపోతే જો ਜੇ भने නම් ຖ້າ បើ"
                                    " လျှင်".split())
    # The idle instruction's verb ("reply only 'klid'", "jibu tu 'shwari'"); it counts with "only", a quoted or
    # upper-case token or an emoji, so "reply to Ana's email" stays a task.
    reply_words: tuple[str, ...] = tuple("""
reply respond answer say react ack acknowledge send confirm kuittaa válaszolj gönder envie envía invia schick stuur
wyślij pošli отправь надішли подтверди підтвердь antworte antworten réponds répondez répondre responde responda
respondé responder rispondi rispondere antwoord odpisz odpowiedz odpověz ответь ответьте відповідай відповідайте yanıtla
yanıt balas jawab trả svara jibu vastaa απάντησε răspunde ענה השב أجب بنویس
odgovori одговори vasta atsakyk atbildi svaraðu svar respon contesta contéstame contestá contestame devolva devuelve yaz
dáhùn ይመልሱ output return scrie
renvoie أرسل ارسل שלח odpovedz válaszoljon likh likhen
відповідь відповіддю ответ ответом odpowiedź odpověď odpoveď respuesta resposta réponse risposta cevap balasan jawaban
رد ردا ردًا תשובה لکھیں لکھو لکھ بھیجیں جواب
უპასუხე պատասխանիր պատասխանեք erantzun atebwch ateb freagair respondu жауап phendula хариул përgjigju
binivîse wangsulana ولیکئ amsa jawaab
""".split())
    reply_cjk: tuple[str, ...] = tuple("回复 回覆 返信 返答 返して 返事 答えて 送って 답하 답장 보내 ตอบ ส่ง जवाब लिखें भेजें লিখুন அனுப்பு اكتب"
                                       " लिहा జవాబివ్వండి ਲਿਖੋ મોકલો ಉತ್ತರಿಸಿ മറുപടി පිළිතුරු ຕອບ ឆ្លើយ ပြန်ဖြေ 覆 লিখুন"
                                       .split())
    only_words: tuple[str, ...] = tuple("""
only just nur tylko jen pouze solo sólo seulement uniquement alleen bara kun только лише тільки sadece hanya chỉ tu vain
μόνο doar רק فقط
samo само ainult tik tikai bare csak iba només lang sirf bas solamente somente apenas juste
მხოლოდ միայն soilik bakarrik unig amháin nur тек kuphela зөвхөн vetëm nìkan ብቻ yalnız
""".split())
    only_cjk: tuple[str, ...] = tuple("只 だけ 만 केवल แค่ फक्त మాత్రమే".split())
    # "Otherwise" opening the idle instruction after a conditional one: "If there are unread invoices, extract them
    # as a table. Otherwise output exactly 'nothing to report'." (Not "si no", "jika tidak": also "if no ...".)
    otherwise_words: tuple[str, ...] = tuple("""
otherwise else sonst andernfalls ansonsten sinon autrement sino senão altrimenti anders annars ellers muuten muutoin
inaczej jinak inak иначе інакше інакш yoksa aksi altfel αλλιώς αλλιώτικα אחרת وإلا والا vinginevyo különben egyébként
muidu kitaip citādi inače іначай përndryshe bestela fel
""".split())
    otherwise_cjk: tuple[str, ...] = tuple("否则 否則 不然 そうでなければ それ以外 अन्यथा ไม่เช่นนั้น".split())
    header_words: tuple[str, ...] = SCHEDULED_WORDS + MORE_SCHEDULED_WORDS + AUTOMATIC_WORDS
    # Fields of a JSON payload that number or stamp the report rather than count work ("seq": 88214).
    label_keys: tuple[str, ...] = tuple("""
seq sequence id ts time timestamp epoch version ver tick cycle round run_id pid port build
""".split())


# A label's one-word value that is a state in trouble ("garage door: open", "pump: stopped", "puerta: abierta"): never a
# name in a status report (`quiet._named`), and no poll the learned check-in model may call quiet (`learned`).
TROUBLE_STATES: tuple[str, ...] = tuple("""
open opened ajar triggered tripped failed down offline unlocked wet leaking stopped jammed missing disarmed offen
geöffnet gestoppt ouvert ouverte déverrouillé déverrouillée arrêté arrêtée abierto abierta desbloqueado desbloqueada
detenido detenida aberto aberta aperto aperta fermo ferma geopend открыт открыта открыто открыты відчинено відчинена
відчинені
""".split())

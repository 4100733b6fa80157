"""Configuration for quiet status reports (shipped defaults): the words `quiet.py` reads, per language."""

from __future__ import annotations

import attrs


@attrs.frozen
class QuietReportRules:
    """A scheduler's status report in which every line says "nothing" is a heartbeat in any convention (see
    `quiet.py`): words for none/no/zero, for all-is-well, and for "if" (the idle instruction) per language."""

    max_chars: int = 400
    none_words: tuple[str, ...] = tuple("""
no none nothing nobody zero empty nil null kein keine keinen keiner keines nichts aucun aucune rien ningún ninguna
ninguno nada sin nenhum nenhuma sem nessun nessuna nessuno niente geen niets brak żadnych żadnej żadne nic žádné žádná
žádný není нет немає ничего нічого жодних жодного yok hiç hiçbir tidak kosong hakuna inga ingen inget ei κανένα καμία
κανένας δεν nicio niciun nimic لا هیچ نیست אין không chưa empty pusta pusty puste пусто пустая порожня vacía vacío vacíos vazia
vazio vide leer leeg tom boş trống prázdná prázdný prázdné nincs nincsenek niciunul niciuna tiada wala ندارد نہیں
لا_يوجد לא
""".split())
    none_cjk: tuple[str, ...] = tuple("ไม่มี 没有 無し なし ありません 不要 无 暂无 없음 없습니다 없어요 नहीं 0건 0개 0件 0条 নেই இல்லை లేదు"
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
    well_words: tuple[str, ...] = tuple("""
ok okay green online up healthy normal nominal clear quiet idle passed success successful fine calm grün verde vert
zielone зелені зелёные yeşil hijau xanh нормально норме нормі спокійно tranquilo tranquille ruhig calm calme calma
tranquila tranquillo spokojnie spokojeno klid rustig lugnt sakin tenang yên bình ήσυχα liniște 平静 正常 平穏 정상 ปกติ
""".split())
    if_words: tuple[str, ...] = tuple("""
if unless jeśli jeżeli pokud jestli wenn falls si se als om eğer jika kalau bila nếu если якщо αν dacă jos kama
""".split())
    if_cjk: tuple[str, ...] = tuple("如果 もし なら なければ 場合 만약 면 אם اگر إذا ถ้า अगर यदि".split())
    # The idle instruction's verb ("reply only 'klid'", "jibu tu 'shwari'"); it counts with "only", a quoted or
    # upper-case token or an emoji, so "reply to Ana's email" stays a task.
    reply_words: tuple[str, ...] = tuple("""
reply respond answer say react ack acknowledge send confirm kuittaa válaszolj gönder envie envía invia schick stuur
wyślij pošli отправь надішли подтверди підтвердь antworte antworten réponds répondez répondre responde responda
respondé responder rispondi rispondere antwoord odpisz odpowiedz odpověz ответь ответьте відповідай відповідайте yanıtla
yanıt balas jawab trả svara jibu vastaa απάντησε răspunde ענה השב أجب بنویس
""".split())
    reply_cjk: tuple[str, ...] = tuple("回复 回覆 返信 返答 返して 返事 答えて 送って 답하 답장 보내 ตอบ ส่ง जवाब लिखें भेजें লিখুন அனுப்பு اكتب"
                                       .split())
    only_words: tuple[str, ...] = tuple("""
only just nur tylko jen pouze solo sólo seulement uniquement alleen bara kun только лише тільки sadece hanya chỉ tu vain
μόνο doar רק فقط
""".split())
    only_cjk: tuple[str, ...] = tuple("只 だけ 만 केवल แค่".split())
    # Fields of a JSON payload that number or stamp the report rather than count work ("seq": 88214).
    label_keys: tuple[str, ...] = tuple("""
seq sequence id ts time timestamp epoch version ver tick cycle round run_id pid port build
""".split())

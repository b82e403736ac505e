"""texts - the words of the heuristics corpus: senders, business lures in twelve
languages, the Avaddon photo subjects and smileys, ordinary mail in many languages
and scripts, a newsletter template, a web developer's script and a calendar
invitation.  Only example.com and .invalid names.  Used by gen-corpus.py.
"""

from formats import MARK


# ---------------------------------------------------------------- people


SENDERS = ["Anna Keller <anna.keller@example.com>", "Pierre Martin <p.martin@fr.example.com>",
           "Lucía Gómez <lucia.gomez@es.example.com>", "Marco Rossi <m.rossi@it.example.com>",
           "佐藤 健 <k.sato@jp.example.com>", "王 芳 <wang.fang@cn.example.com>",
           "Ольга Смирнова <o.smirnova@ru.example.com>", "Ahmet Yılmaz <ahmet@tr.example.com>",
           "Accounts <accounts@supplier.example.com>", "Sales Team <sales@vendor.example.com>"]
RCPT = "Purchasing <purchasing@example.com>"
BOT = ["Jenny <jenny%d@bot.example.invalid>", "Mike <mike%d@mail.example.invalid>",
       "<user%d@dyn.example.invalid>", "Kate <k%d@example.invalid>"]


# ---------------------------------------------------------------- lures by language


# lang: (invoice, PO, payment, shipping, quotation) subjects; body; password word; signature
LURES = {
    "en": (["Invoice INV-{n} overdue", "New purchase order PO#{n}", "Payment advice - remittance {n}",
            "DHL Shipment Notification AWB {n}", "Request for quotation RFQ-{n}"],
           "Dear Sir/Madam,\n\nPlease find attached the documents for our reference {n}. Kindly "
           "confirm receipt and revert with your best price and delivery time.\n",
           "Password", "Best regards,\nJohn Carter\nProcurement Manager\nGlobal Trading Ltd."),
    "de": (["Rechnung Nr. {n} - Zahlungserinnerung", "Bestellung {n} - bitte bestätigen",
            "Zahlungsavis {n}", "Ihre Sendung {n}: Lieferschein und Frachtbrief",
            "Angebotsanfrage {n}"],
           "Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie die Unterlagen zu Vorgang {n}. "
           "Bitte prüfen Sie die Anlage und bestätigen Sie den Eingang.\n",
           "Passwort", "Mit freundlichen Grüßen\nKlaus Becker\nEinkauf"),
    "fr": (["Facture n° {n} impayée", "Bon de commande {n}", "Avis de paiement {n}",
            "Avis d'expédition - connaissement {n}", "Demande de devis {n}"],
           "Bonjour,\n\nVeuillez trouver ci-joint les documents relatifs au dossier {n}. "
           "Merci de confirmer la bonne réception.\n",
           "Mot de passe", "Cordialement,\nSophie Laurent\nService comptabilité"),
    "es": (["Factura {n} pendiente de pago", "Orden de compra {n}", "Comprobante de transferencia {n}",
            "Aviso de envío - conocimiento de embarque {n}", "Solicitud de cotización {n}"],
           "Estimado cliente,\n\nAdjunto le enviamos la documentación de la operación {n}. "
           "Por favor, confirme la recepción.\n",
           "Contraseña", "Saludos cordiales,\nJavier Ruiz\nDepartamento de compras"),
    "it": (["Fattura n. {n} scaduta", "Ordine d'acquisto {n}", "Contabile bonifico {n}",
            "Avviso di spedizione {n}", "Richiesta di preventivo {n}"],
           "Gentile cliente,\n\nin allegato trova la documentazione relativa alla pratica {n}. "
           "La preghiamo di confermare la ricezione.\n",
           "Password", "Cordiali saluti,\nGiulia Bianchi\nUfficio amministrazione"),
    "pt": (["Fatura {n} em atraso", "Pedido de compra {n}", "Comprovante de pagamento {n}",
            "Aviso de embarque {n}", "Pedido de cotação {n}"],
           "Prezados,\n\nSegue em anexo a documentação referente ao processo {n}. "
           "Favor confirmar o recebimento.\n",
           "Senha", "Atenciosamente,\nRicardo Souza\nCompras"),
    "ja": (["請求書 {n} のご送付", "注文書 {n} の件", "お支払い明細 {n}", "荷物の配送に関するお知らせ {n}",
            "見積依頼 {n}"],
           "お世話になっております。\n\n案件 {n} の書類を添付いたします。ご確認のほどよろしくお願いいたします。\n",
           "パスワード", "よろしくお願いいたします。\n山田 太郎\n購買部"),
    "zh": (["发票 {n} 请查收", "采购订单 {n}", "付款通知 {n}", "发货通知 提单 {n}", "询价单 {n}"],
           "您好，\n\n附件是编号 {n} 的相关文件，请查收并确认。\n",
           "密码", "此致\n敬礼\n李明\n采购部"),
    "ru": (["Счёт на оплату № {n}", "Заказ на поставку {n}", "Платёжное поручение {n}",
            "Уведомление об отгрузке {n}", "Запрос коммерческого предложения {n}"],
           "Добрый день,\n\nво вложении документы по заявке {n}. Просим подтвердить получение.\n",
           "Пароль", "С уважением,\nИгорь Петров\nОтдел закупок"),
    "tr": (["Fatura {n} ödeme hatırlatması", "Satın alma siparişi {n}", "Ödeme dekontu {n}",
            "Sevkiyat bildirimi {n}", "Fiyat teklifi talebi {n}"],
           "Merhaba,\n\n{n} numaralı işleme ait belgeler ektedir. Lütfen kontrol ediniz.\n",
           "Şifre", "Saygılarımızla,\nMehmet Demir\nSatın Alma"),
    "pl": (["Faktura nr {n} - przypomnienie", "Zamówienie {n}", "Potwierdzenie przelewu {n}",
            "Awizo dostawy {n}", "Zapytanie ofertowe {n}"],
           "Dzień dobry,\n\nw załączeniu przesyłamy dokumenty do sprawy {n}. Prosimy o potwierdzenie.\n",
           "Hasło", "Z poważaniem,\nAnna Nowak\nDział zakupów"),
    "nl": (["Factuur {n} openstaand", "Inkooporder {n}", "Betalingsbewijs {n}",
            "Verzendbevestiging {n}", "Offerteaanvraag {n}"],
           "Geachte heer/mevrouw,\n\nIn de bijlage vindt u de documenten voor dossier {n}. "
           "Graag bevestiging van ontvangst.\n",
           "Wachtwoord", "Met vriendelijke groet,\nPieter de Vries\nInkoop"),
}
LURE_KIND = {"invoice": 0, "po": 1, "payment": 2, "shipping": 3, "quote": 4}
FILE_WORD = {"invoice": ["Invoice", "Rechnung", "Facture", "Factura", "INV"],
             "po": ["PO", "Purchase_Order", "Bestellung", "Order", "Pedido"],
             "payment": ["Payment_Advice", "Remittance", "SWIFT_Copy", "TT_Copy", "Zahlungsavis"],
             "shipping": ["Shipping_Documents", "BL_Draft", "AWB", "Packing_List", "DHL_Receipt"],
             "quote": ["RFQ", "Quotation", "Angebot", "Devis", "Cotizacion"]}


AVADDON_SUBJECTS = ["Look at this photo!", "Photo just for you", "You look good here",
                    "I love this photo", "Is this your photo?", "Is this you?",
                    "My favourite photo", "You like this photo?", "Your new photo?",
                    "Do you like my photo?", "\U0001F609", ";)"]
AVADDON_SUBJECTS_INTL = ["Ist das dein Foto?", "C'est toi sur cette photo ?",
                         "¿Eres tú en esta foto?", "Sei tu in questa foto?", "Это ты на фото?",
                         "これはあなたの写真ですか？", "Is dit jouw foto?", "To ty na tym zdjęciu?",
                         "check this pic lol", "haha look at you here"]
SMILEYS = [";)", ":)", ";-)", ":-)", "\U0001F609", "\U0001F60A", ":D", "^_^", ";)\n"]


PLAIN = [
    ("en", "Meeting notes from Tuesday", "Hi all,\n\nthanks for joining on Tuesday. Action items:\n"
     "- Anna updates the rollout plan\n- Marco checks the budget figures\n\nSee you next week,\nTom\n"),
    ("en", "Re: Q3 budget review", "Sounds good to me. I moved the review to Thursday 10:00.\n\nTom\n"),
    ("de", "Termin nächste Woche", "Hallo Frau Keller,\n\nwir würden uns gern am Mittwoch um 14 Uhr "
     "treffen. Passt Ihnen das?\n\nViele Grüße\nJörg Weiß\n"),
    ("de", "Protokoll der Teamsitzung", "Hallo zusammen,\n\nanbei die wichtigsten Punkte: Umzug der "
     "Server im Juli, Urlaubsplanung bis Freitag.\n\nGruß\nSabine\n"),
    ("fr", "Réunion de lancement", "Bonjour à tous,\n\nla réunion de lancement du projet aura lieu "
     "lundi à 9h30 en salle Voltaire.\n\nBien à vous,\nCamille\n"),
    ("fr", "Congés d'été", "Bonjour,\n\nmerci d'indiquer vos dates de congés avant le 15 juin.\n\nÉlise\n"),
    ("es", "Reunión del equipo", "Hola a todos,\n\nos recuerdo que mañana tenemos la reunión "
     "trimestral a las 11:00.\n\nUn saludo,\nMarta\n"),
    ("es", "Cambio de horario", "Buenos días,\n\na partir del lunes la oficina abre a las 8:00.\n\nJosé\n"),
    ("it", "Riunione di progetto", "Ciao a tutti,\n\nla riunione di progetto è spostata a giovedì "
     "alle 15.\n\nGrazie,\nFrancesca\n"),
    ("pt", "Relatório mensal", "Olá equipe,\n\no relatório mensal já está disponível na pasta "
     "compartilhada.\n\nAbraços,\nCarla\n"),
    ("nl", "Vergadering verplaatst", "Hoi allemaal,\n\nde vergadering van vrijdag is verplaatst naar "
     "maandag 10 uur.\n\nGroet,\nDaan\n"),
    ("pl", "Spotkanie zespołu", "Cześć,\n\nspotkanie zespołu odbędzie się w środę o 13:00.\n\nKasia\n"),
    ("ja", "来週の打ち合わせについて", "お疲れさまです。\n\n来週の打ち合わせは水曜日の10時からに変更となりました。"
     "\n会議室は3階の第2会議室です。\n\n田中\n"),
    ("ja", "議事録の送付", "各位\n\n先日の会議の議事録をお送りします。ご確認ください。\n\n鈴木\n"),
    ("zh", "下周会议安排", "大家好，\n\n下周二上午十点在三楼会议室开项目例会，请准时参加。\n\n谢谢！\n张伟\n"),
    ("zh", "季度总结", "各位同事：\n\n请在本周五之前提交季度工作总结。\n\n王芳\n"),
    ("ru", "Встреча в четверг", "Коллеги, добрый день!\n\nНапоминаю, что в четверг в 11:00 "
     "совещание по проекту.\n\nС уважением,\nАлексей\n"),
    ("ru", "График отпусков", "Добрый день,\n\nпросьба до пятницы согласовать график отпусков.\n\nМарина\n"),
    ("ar", "اجتماع الفريق", "مرحباً بالجميع،\n\nسيعقد اجتماع الفريق يوم الأحد الساعة العاشرة صباحاً.\n\n"
     "مع التحية،\nأحمد\n"),
    ("ar", "تقرير المبيعات", "السلام عليكم،\n\nمرفق تقرير المبيعات الشهري للاطلاع.\n\nفاطمة\n"),
    ("he", "פגישת צוות", "שלום לכולם,\n\nפגישת הצוות תתקיים ביום שני בשעה 10:00.\n\nתודה,\nדנה\n"),
    ("he", "עדכון פרויקט", "היי,\n\nמצרף עדכון קצר על התקדמות הפרויקט.\n\nיוסי\n"),
    ("ko", "주간 회의 안내", "안녕하세요,\n\n이번 주 회의는 목요일 오후 2시에 진행됩니다.\n\n김민수 드림\n"),
    ("el", "Συνάντηση ομάδας", "Καλημέρα σας,\n\nη συνάντηση της ομάδας θα γίνει την Τρίτη στις 10.\n\n"
     "Νίκος\n"),
    ("tr", "Toplantı hatırlatma", "Merhaba,\n\nyarınki toplantı saat 14:00'te başlayacaktır.\n\nAyşe\n"),
    ("hi", "टीम मीटिंग", "नमस्ते,\n\nकल सुबह दस बजे टीम मीटिंग है।\n\nधन्यवाद,\nराहुल\n"),
    ("en", "Lunch on Friday?", "Hey, are you free for lunch on Friday? The new place near the station "
     "is supposed to be good :)\n\nSam\n"),
    ("en", "Password reset policy", "Hi team,\n\nreminder: the password policy changes next month; "
     "you will be asked to choose a new password at your next login. IT will never ask for your "
     "password by mail.\n\nIT Service Desk\n"),
]

NEWSLETTER = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{t}</title>
<style>body{{font-family:Arial}} .btn{{background:#06c;color:#fff;padding:8px}}</style></head>
<body><table width="600" align="center"><tr><td>
<h1>{t}</h1><p>{p}</p>
<p><a class="btn" href="https://news.example.com/{slug}?utm_source=newsletter">{cta}</a></p>
<img src="https://news.example.com/img/{slug}.png" alt="" width="600">
<script type="application/ld+json">{{"@context":"https://schema.example.com","@type":"Organization"}}</script>
<p style="font-size:11px">You receive this mail because you subscribed at news.example.com.
<a href="https://news.example.com/unsubscribe">Unsubscribe</a></p>
</td></tr></table></body></html>"""

WEBDEV_JS = """/* ajax.js - small XMLHttpRequest wrapper used by the intranet pages.
 * INERT-TEST-FIXTURE
 * Falls back to the ActiveX object on old Internet Explorer versions.
 */
function createRequest() {
  if (window.XMLHttpRequest) {
    return new XMLHttpRequest();
  }
  try {
    return new ActiveXObject("MSXML2.XMLHTTP");
  } catch (e) {
    return new ActiveXObject("Microsoft.XMLHTTP");
  }
}

function getJSON(url, done) {
  var req = createRequest();
  req.open("GET", url, true);
  req.onreadystatechange = function () {
    if (req.readyState === 4 && req.status === 200) {
      done(JSON.parse(req.responseText));
    }
  };
  req.send(null);
}

function download(rows) {
  var csv = rows.map(function (r) { return r.join(";"); }).join("\\n");
  var blob = new Blob([csv], {type: "text/csv"});
  var a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = "report.csv";
  a.click();
}
"""


def ics(summary, uid, when, lang_desc):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Calendar 1.0//EN\r\nMETHOD:REQUEST\r\n"
            "BEGIN:VEVENT\r\nUID:%s@example.com\r\nDTSTAMP:20200601T080000Z\r\nDTSTART:%s\r\n"
            "DTEND:%s\r\nSUMMARY:%s\r\nDESCRIPTION:%s %s\r\nLOCATION:Room 2.14\r\n"
            "ORGANIZER;CN=Anna Keller:mailto:anna.keller@example.com\r\n"
            "ATTENDEE;RSVP=TRUE:mailto:team@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            % (uid, when, when[:-5] + "3000Z", summary, lang_desc, MARK))

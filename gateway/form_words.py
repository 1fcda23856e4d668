"""The fixed words of a notice's readable form (gateway.render) in the five languages the console
speaks: Russian, Kazakh, Uzbek, Azerbaijani and English. The Russian text of an agreement prevails;
the Kazakh words follow the Kazakh half of the 2024 agreement where it has them, the Uzbek and
Azerbaijani (Latin script) ones are the project's translation from the Russian."""

from __future__ import annotations

from gateway.profiles import Source

WORDS: dict[str, dict[str, str]] = {
    "article": {"ru": "Статья", "kk": "Бап", "uz": "Modda", "az": "Maddə", "en": "Article"},
    "channel": {"ru": "Канал", "kk": "Арна", "uz": "Kanal", "az": "Kanal", "en": "Channel"},
    "message": {"ru": "Сообщение", "kk": "Хабар", "uz": "Xabar", "az": "Mesaj", "en": "Message"},
    "from": {"ru": "Отправитель", "kk": "Жіберуші", "uz": "Yuboruvchi", "az": "Göndərən", "en": "From"},
    "to": {"ru": "Получатель", "kk": "Алушы", "uz": "Oluvchi", "az": "Alıcı", "en": "To"},
    "created": {
        "ru": "Составлено",
        "kk": "Жасалған уақыты",
        "uz": "Tuzilgan vaqti",
        "az": "Tərtib edilib",
        "en": "Created",
    },
    "on_sending": {
        "ru": "присваивается при отправке",
        "kk": "жіберілген кезде беріледі",
        "uz": "yuborilganda beriladi",
        "az": "göndəriləndə verilir",
        "en": "assigned when it is sent",
    },
    "deadlines": {"ru": "Сроки", "kk": "Мерзімдер", "uz": "Muddatlar", "az": "Müddətlər", "en": "Deadlines"},
    "content": {"ru": "Содержание", "kk": "Мазмұны", "uz": "Mazmuni", "az": "Məzmunu", "en": "Content"},
    "receipt": {
        "ru": "Квитанция о получении: в течение {span}",
        "kk": "Алғаны туралы түбіртек: {span} ішінде",
        "uz": "Qabul qilinganlik kvitansiyasi: {span} ichida",
        "az": "Alınma qəbzi: {span} ərzində",
        "en": "Receipt due within {span}",
    },
    "lead": {
        "ru": "Направляется не менее чем за {span} до «{field}»",
        "kk": "«{field}» дейін кемінде {span} бұрын жіберіледі",
        "uz": "«{field}» vaqtidan kamida {span} oldin yuboriladi",
        "az": "«{field}» vaxtından ən azı {span} əvvəl göndərilir",
        "en": "Must be sent at least {span} before «{field}»",
    },
    "reply_within": {
        "ru": "Ответ ({reply}): в течение {span} с момента получения",
        "kk": "Жауап ({reply}): алған сәттен бастап {span} ішінде",
        "uz": "Javob ({reply}): olingan paytdan boshlab {span} ichida",
        "az": "Cavab ({reply}): alındığı andan {span} ərzində",
        "en": "Reply ({reply}) due within {span} of receipt",
    },
    "reply_by": {
        "ru": "Ответ ({reply}): не позднее чем за {span} до «{field}»",
        "kk": "Жауап ({reply}): «{field}» дейін кемінде {span} бұрын",
        "uz": "Javob ({reply}): «{field}» vaqtidan kamida {span} oldin",
        "az": "Cavab ({reply}): «{field}» vaxtından ən azı {span} əvvəl",
        "en": "Reply ({reply}) due {span} before «{field}»",
    },
    "periodic": {
        "ru": "Не реже одного раза в {span}",
        "kk": "Кемінде {span} ішінде бір рет",
        "uz": "Har {span} ichida kamida bir marta",
        "az": "Hər {span} ərzində ən azı bir dəfə",
        "en": "At least once every {span}",
    },
    "effect": {
        "ru": "Последствие получения ({event}): через {span}",
        "kk": "Алудың салдары ({event}): {span} өткен соң",
        "uz": "Olinishining oqibati ({event}): {span} o‘tgach",
        "az": "Alınmanın nəticəsi ({event}): {span} sonra",
        "en": "Effect of receipt ({event}): after {span}",
    },
    "anchored_within": {
        "ru": "Срок: в течение {span} после ({anchor})",
        "kk": "Мерзім: ({anchor}) кейін {span} ішінде",
        "uz": "Muddat: ({anchor}) sodir bo‘lganidan keyin {span} ichida",
        "az": "Müddət: ({anchor}) baş verdikdən sonra {span} ərzində",
        "en": "Due within {span} after ({anchor})",
    },
    "anchored_before": {
        "ru": "Срок: не позднее чем за {span} до ({anchor})",
        "kk": "Мерзім: ({anchor}) дейін кемінде {span} бұрын",
        "uz": "Muddat: ({anchor}) sodir bo‘lishidan kamida {span} oldin",
        "az": "Müddət: ({anchor}) baş verməzdən ən azı {span} əvvəl",
        "en": "Due at least {span} before ({anchor})",
    },
    "as_answered": {
        "ru": "канал сообщения, на которое дан ответ",
        "kk": "жауап берілген хабардың арнасы",
        "uz": "javob berilgan xabar kanali",
        "az": "cavab verilən mesajın kanalı",
        "en": "the channel of the message it answers",
    },
    "in_reply_to": {
        "ru": "В ответ на",
        "kk": "Жауап ретінде",
        "uz": "Javob sifatida",
        "az": "Cavab olaraq",
        "en": "In reply to",
    },
    "supersedes": {
        "ru": "Заменяет",
        "kk": "Ауыстырады",
        "uz": "O‘rnini bosadi",
        "az": "Əvəz edir",
        "en": "Supersedes",
    },
    "cancels": {
        "ru": "Отменяет",
        "kk": "Күшін жояды",
        "uz": "Bekor qiladi",
        "az": "Ləğv edir",
        "en": "Cancels",
    },
    "late": {
        "ru": "Направлено с опозданием, обоснование",
        "kk": "Кешігіп жіберілді, негіздеме",
        "uz": "Kechikib yuborilgan, asoslash",
        "az": "Gecikmə ilə göndərilib, əsaslandırma",
        "en": "Sent late, justification",
    },
    "ours": {
        "ru": "тип шлюза, Соглашением не предусмотрен",
        "kk": "шлюз түрі, Келісімде көзделмеген",
        "uz": "shlyuz turi, Bitimda nazarda tutilmagan",
        "az": "şlüz tipi, Sazişdə nəzərdə tutulmayıb",
        "en": "gateway type, not required by the agreement",
    },
}
RECEIPT_WORDS: dict[str, dict[str, str]] = {
    "title": {
        "ru": "Квитанция о получении",
        "kk": "Алғаны туралы түбіртек",
        "uz": "Qabul qilinganlik kvitansiyasi",
        "az": "Alınma qəbzi",
        "en": "Receipt",
    },
    "status": {"ru": "Статус", "kk": "Мәртебесі", "uz": "Holati", "az": "Statusu", "en": "Status"},
    "accepted": {
        "ru": "принято",
        "kk": "қабылданды",
        "uz": "qabul qilindi",
        "az": "qəbul edildi",
        "en": "accepted",
    },
    "accepted-with-warning": {
        "ru": "принято с предупреждением",
        "kk": "ескертумен қабылданды",
        "uz": "ogohlantirish bilan qabul qilindi",
        "az": "xəbərdarlıqla qəbul edildi",
        "en": "accepted with a warning",
    },
    "rejected": {
        "ru": "отклонено",
        "kk": "қабылданбады",
        "uz": "rad etildi",
        "az": "rədd edildi",
        "en": "rejected",
    },
    "reasons": {
        "ru": "Коды причин",
        "kk": "Себеп кодтары",
        "uz": "Sabab kodlari",
        "az": "Səbəb kodları",
        "en": "Reason codes",
    },
    "received": {
        "ru": "Получено",
        "kk": "Алынған уақыты",
        "uz": "Olingan vaqti",
        "az": "Alınıb",
        "en": "Received",
    },
    "digest": {
        "ru": "SHA-256 полученного",
        "kk": "Алынғанның SHA-256",
        "uz": "Olingan narsaning SHA-256",
        "az": "Alınanın SHA-256",
        "en": "SHA-256 of what was received",
    },
    "detail": {
        "ru": "Подробности",
        "kk": "Толығырақ",
        "uz": "Tafsilotlar",
        "az": "Təfərrüatlar",
        "en": "Detail",
    },
}
SOURCE = {
    Source.TEXT: {
        "ru": "установлено Соглашением",
        "kk": "Келісіммен белгіленген",
        "uz": "Bitim bilan belgilangan",
        "az": "Sazişlə müəyyən edilib",
        "en": "fixed by the agreement",
    },
    Source.DEFAULT: {
        "ru": "значение шлюза по умолчанию, Соглашением не установлено",
        "kk": "шлюздің әдепкі мәні, Келісімде белгіленбеген",
        "uz": "shlyuzning standart qiymati, Bitimda belgilanmagan",
        "az": "şlüzün standart dəyəri, Sazişlə müəyyən edilməyib",
        "en": "gateway default, not fixed by the agreement",
    },
}
UNITS = {
    "minutes": {"ru": "мин", "kk": "минут", "uz": "daqiqa", "az": "dəqiqə", "en": "minutes"},
    "hours": {"ru": "ч", "kk": "сағат", "uz": "soat", "az": "saat", "en": "hours"},
    "days": {"ru": "сут.", "kk": "тәулік", "uz": "sutka", "az": "sutka", "en": "days"},
    "months": {"ru": "мес.", "kk": "ай", "uz": "oy", "az": "ay", "en": "months"},
    "years": {"ru": "лет", "kk": "жыл", "uz": "yil", "az": "il", "en": "years"},
}
EVENTS = {
    "entry-into-force": {
        "ru": "вступление Соглашения в силу",
        "kk": "Келісімнің күшіне енуі",
        "uz": "Bitimning kuchga kirishi",
        "az": "Sazişin qüvvəyə minməsi",
        "en": "entry into force of the agreement",
    },
    "termination": {
        "ru": "прекращение действия Соглашения",
        "kk": "Келісімнің қолданылуын тоқтату",
        "uz": "Bitim amal qilishining tugatilishi",
        "az": "Sazişin qüvvəsinə xitam verilməsi",
        "en": "termination of the agreement",
    },
    "term-end": {
        "ru": "истечение текущего срока действия Соглашения",
        "kk": "Келісімнің ағымдағы қолданылу мерзімінің өтуі",
        "uz": "Bitim joriy amal qilish muddatining tugashi",
        "az": "Sazişin cari qüvvədə olma müddətinin bitməsi",
        "en": "end of the agreement's current term",
    },
}
CHANNELS = {
    "AB": {
        "ru": "уполномоченные органы",
        "kk": "уәкілетті органдар",
        "uz": "vakolatli organlar",
        "az": "səlahiyyətli orqanlar",
        "en": "authorised bodies",
    },
    "BR": {
        "ru": "пограничные представители",
        "kk": "шекара өкілдері",
        "uz": "chegara vakillari",
        "az": "sərhəd nümayəndələri",
        "en": "border representatives",
    },
    "DIP": {
        "ru": "дипломатические каналы",
        "kk": "дипломатиялық арналар",
        "uz": "diplomatik kanallar",
        "az": "diplomatik kanallar",
        "en": "diplomatic channels",
    },
    "JC": {
        "ru": "Совместная комиссия",
        "kk": "Бірлескен комиссия",
        "uz": "Qo‘shma komissiya",
        "az": "Birgə komissiya",
        "en": "Joint Commission",
    },
}

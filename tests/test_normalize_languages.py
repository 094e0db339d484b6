"""Text normalization in Spanish, French, Italian, Brazilian Portuguese, Hindi, Japanese and Chinese: one table
per language, input → what is spoken. Numbers are said in the language (num2words), never in English digits;
where num2words has no language (Hindi, Chinese) or the G2P reads digits better (Japanese whole numbers), the
digits are left to that language's G2P and what surrounds them is said."""

from __future__ import annotations

import re

import pytest

from wyoming_kokoro.g2p import create_g2p, language_installed
from wyoming_kokoro.text.normalize import normalize
from wyoming_kokoro.text.numbers_romance import parse_number, say_number
from wyoming_kokoro.text.segment import split_sentences


def table(rows: list[tuple[str, str]]):
    return pytest.mark.parametrize("text,spoken", rows, ids=[repr(row[0])[:40] for row in rows])


SPANISH = [
    ('Hace 21 grados.', 'Hace veintiún grados.'),
    ('Hace 21,5 °C.', 'Hace veintiuno coma cinco grados Celsius.'),
    ('Hace 21.5°C.', 'Hace veintiuno coma cinco grados Celsius.'),
    ('Mañana -5°C.', 'Mañana menos cinco grados Celsius.'),
    ('Solo 1 °C.', 'Solo un grado Celsius.'),
    ('Hace 70°F.', 'Hace setenta grados Fahrenheit.'),
    ('El 50 % de la batería.', 'El cincuenta por ciento de la batería.'),
    ('Entre 5-10 %.', 'Entre cinco a diez por ciento.'),
    ('Son las 15:30.', 'Son las quince y treinta.'),
    ('A las 1:05.', 'A las una y cinco.'),
    ('A las 9:00.', 'A las nueve.'),
    ('De 9:00-17:00.', 'De nueve a diecisiete.'),
    ('Cuesta 3,50 €.', 'Cuesta tres euros con cincuenta céntimos.'),
    ('Cuesta €3.50.', 'Cuesta tres euros con cincuenta céntimos.'),
    ('Cuesta $5.', 'Cuesta cinco dólares.'),
    ('Cuesta 1 €.', 'Cuesta un euro.'),
    ('Cuesta £21.', 'Cuesta veintiuna libras.'),
    ('Un premio de 1.000.000 €.', 'Un premio de un millón de euros.'),
    ('Velocidad 50 km/h.', 'Velocidad cincuenta kilómetros por hora.'),
    ('Consumo 5 kWh.', 'Consumo cinco kilovatios hora.'),
    ('Potencia 100 W.', 'Potencia cien vatios.'),
    ('Duración 1 h.', 'Duración una hora.'),
    ('Duración 30 min.', 'Duración treinta minutos.'),
    ('Tengo 21 años.', 'Tengo veintiún años.'),
    ('El 1 de enero.', 'El uno de enero.'),
    ('El 1º piso.', 'El primer piso.'),
    ('La 2ª vez.', 'La segunda vez.'),
    ('El 2026-11-25.', 'El veinticinco de noviembre de dos mil veintiséis.'),
    ('El 25/11/2026.', 'El veinticinco de noviembre de dos mil veintiséis.'),
    ('Llama al +34 612 34 56 78.', 'Llama al más tres cuatro, seis uno dos, tres cuatro, cinco seis, siete ocho.'),
    ('Llama al 612 345 678.', 'Llama al seis uno dos, tres cuatro cinco, seis siete ocho.'),
    ('Versión v1.2.3.', 'Versión uno punto dos punto tres.'),
    ('La IP 192.168.1.1.', 'La IP uno nueve dos punto uno seis ocho punto uno punto uno.'),
    ('Hay ~5 personas.', 'Hay alrededor de cinco personas.'),
    ('Somos el #1.', 'Somos el número uno.'),
    ('Hay 2 000 euros.', 'Hay dos mil euros.'),
    ('Son 1.234.567 personas.', 'Son un millón doscientos treinta y cuatro mil quinientos sesenta y siete personas.'),
    ('Pi es 3,14.', 'Pi es tres coma catorce.'),
    ('Por ejemplo, p. ej. la luz.', 'Por ejemplo, por ejemplo la luz.'),
    ('Código 007.', 'Código cero cero siete.'),
    ('Mira https://www.ejemplo.es/ruta ahora.', 'Mira ejemplo punto ES ahora.'),
    ('**Luces** encendidas 💡!!!', 'Luces encendidas!'),
    ('- Cocina: 21°C\n- Salón: 19°C', 'Cocina: veintiún grados Celsius.\nSalón: diecinueve grados Celsius.'),
]

FRENCH = [
    ('Il fait 21 degrés.', 'Il fait vingt et un degrés.'),
    ('Il fait 21,5 °C.', 'Il fait vingt et un virgule cinq degrés Celsius.'),
    ('Il fait 21.5°C.', 'Il fait vingt et un virgule cinq degrés Celsius.'),
    ('Demain -5°C.', 'Demain moins cinq degrés Celsius.'),
    ('Seulement 1 °C.', 'Seulement un degré Celsius.'),
    ('Il fait 1,5 °C.', 'Il fait un virgule cinq degré Celsius.'),
    ('La batterie est à 50 %.', 'La batterie est à cinquante pour cent.'),
    ('Entre 5-10 %.', 'Entre cinq à dix pour cent.'),
    ('Il est 15:30.', 'Il est quinze heures trente.'),
    ('Il est 15h30.', 'Il est quinze heures trente.'),
    ('À 1:05.', 'À une heure cinq.'),
    ('À 21:00.', 'À vingt et une heures.'),
    ('De 9:00-17:00.', 'De neuf heures à dix-sept heures.'),
    ('Ça coûte 3,50 €.', 'Ça coûte trois euros et cinquante centimes.'),
    ('Ça coûte €3.50.', 'Ça coûte trois euros et cinquante centimes.'),
    ('Ça coûte 1 €.', 'Ça coûte un euro.'),
    ('Ça coûte 2 000 €.', 'Ça coûte deux mille euros.'),
    ('Un prix de 1 000 000 €.', "Un prix de un million d'euros."),
    ('Vitesse 50 km/h.', 'Vitesse cinquante kilomètres par heure.'),
    ('Consommation 5 kWh.', 'Consommation cinq kilowattheures.'),
    ('Puissance 100 W.', 'Puissance cent watts.'),
    ('Durée 1 h et 30 min.', 'Durée une heure et trente minutes.'),
    ("J'ai 21 ans.", "J'ai vingt et un ans."),
    ('Le 1er janvier.', 'Le premier janvier.'),
    ('La 1re fois.', 'La première fois.'),
    ('Le 2e étage.', 'Le deuxième étage.'),
    ('Le 21e siècle.', 'Le vingt et unième siècle.'),
    ('Le 2026-11-25.', 'Le vingt-cinq novembre deux mille vingt-six.'),
    ('Le 01/11/2026.', 'Le premier novembre deux mille vingt-six.'),
    ('Appelez le 06 12 34 56 78.', 'Appelez le zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit.'),
    ('Appelez le +33 6 12 34 56 78.', 'Appelez le plus trente-trois, six, douze, trente-quatre, cinquante-six, soixante-dix-huit.'),
    ('Version v1.2.3.', 'Version un point deux point trois.'),
    ('Il y a ~5 personnes.', 'Il y a environ cinq personnes.'),
    ('Il y a 2 000 personnes.', 'Il y a deux mille personnes.'),
    ('Pi vaut 3,14.', 'Pi vaut trois virgule quatorze.'),
    ('Par exemple, p. ex. la lampe.', 'Par exemple, par exemple la lampe.'),
    ('Voir https://www.exemple.fr/page.', 'Voir exemple point FR.'),
]

ITALIAN = [
    ('Ci sono 21 gradi.', 'Ci sono ventuno gradi.'),
    ('Ci sono 21,5 °C.', 'Ci sono ventuno virgola cinque gradi Celsius.'),
    ('Domani -5°C.', 'Domani meno cinque gradi Celsius.'),
    ('Solo 1 °C.', 'Solo un grado Celsius.'),
    ('La batteria è al 50%.', 'La batteria è al cinquanta per cento.'),
    ('Tra 5-10 %.', 'Tra cinque a dieci per cento.'),
    ('Sono le 15:30.', 'Sono le quindici e trenta.'),
    ('Alle 1:05.', 'Alle una e cinque.'),
    ('Alle 21:00.', 'Alle ventuno.'),
    ('Costa 3,50 €.', 'Costa tre euro e cinquanta centesimi.'),
    ('Costa €3.50.', 'Costa tre euro e cinquanta centesimi.'),
    ('Costa 1 €.', 'Costa un euro.'),
    ('Costa $5.', 'Costa cinque dollari.'),
    ('Velocità 50 km/h.', 'Velocità cinquanta chilometri orari.'),
    ('Consumo 5 kWh.', 'Consumo cinque chilowattora.'),
    ('Potenza 100 W.', 'Potenza cento watt.'),
    ('Durata 1 h.', "Durata un'ora."),
    ('Ho 21 anni.', 'Ho ventuno anni.'),
    ('Ho 1 anno.', 'Ho un anno.'),
    ('Il 1º piano.', 'Il primo piano.'),
    ('La 2ª volta.', 'La seconda volta.'),
    ('Il 2026-11-25.', 'Il venticinque novembre duemilaventisei.'),
    ('Il 01/11/2026.', 'Il primo novembre duemilaventisei.'),
    ('Chiama il +39 333 123 4567.', 'Chiama il più tre nove, tre tre tre, uno due tre, quattro cinque sei sette.'),
    ('Versione v1.2.3.', 'Versione uno punto due punto tre.'),
    ('Ci sono ~5 persone.', 'Ci sono circa cinque persone.'),
    ('Ci sono 2 000 persone.', 'Ci sono duemila persone.'),
    ('Sono 1.234.567 persone.', 'Sono un milione e duecentotrentaquattromilacinquecentosessantasette persone.'),
    ('Pi è 3,14.', 'Pi è tre virgola quattordici.'),
    ('Ad es. la lampada, ecc.', 'Ad esempio la lampada, eccetera.'),
]

PORTUGUESE = [
    ('Faz 21 graus.', 'Faz vinte e um graus.'),
    ('Faz 21,5 °C.', 'Faz vinte e um vírgula cinco graus Celsius.'),
    ('Amanhã -5°C.', 'Amanhã menos cinco graus Celsius.'),
    ('Só 1 °C.', 'Só um grau Celsius.'),
    ('A bateria está em 50%.', 'A bateria está em cinquenta por cento.'),
    ('Entre 5-10 %.', 'Entre cinco a dez por cento.'),
    ('São 15:30.', 'São quinze e trinta.'),
    ('Às 1:05.', 'Às uma e cinco.'),
    ('Às 2:00.', 'Às duas horas.'),
    ('Às 21:00.', 'Às vinte e uma horas.'),
    ('São 15h30.', 'São quinze e trinta.'),
    ('Custa R$ 3,50.', 'Custa três reais e cinquenta centavos.'),
    ('Custa R$3.50.', 'Custa três reais e cinquenta centavos.'),
    ('Custa 1 €.', 'Custa um euro.'),
    ('Custa £2.', 'Custa duas libras.'),
    ('Custa R$ 1.000.000.', 'Custa um milhão de reais.'),
    ('Velocidade 50 km/h.', 'Velocidade cinquenta quilômetros por hora.'),
    ('Consumo 5 kWh.', 'Consumo cinco quilowatts-hora.'),
    ('Potência 100 W.', 'Potência cem watts.'),
    ('Duração 2 h.', 'Duração duas horas.'),
    ('Tenho 21 anos.', 'Tenho vinte e um anos.'),
    ('O 1º andar.', 'O primeiro andar.'),
    ('A 2ª vez.', 'A segunda vez.'),
    ('Em 2026-11-25.', 'Em vinte e cinco de novembro de dois mil e vinte e seis.'),
    ('Em 01/11/2026.', 'Em primeiro de novembro de dois mil e vinte e seis.'),
    ('Ligue para +55 11 91234-5678.', 'Ligue para mais cinco cinco, um um, nove um dois três quatro, cinco seis sete oito.'),
    ('Versão v1.2.3.', 'Versão um ponto dois ponto três.'),
    ('Há ~5 pessoas.', 'Há cerca de cinco pessoas.'),
    ('São 1.234.567 pessoas.', 'São um milhão duzentos e trinta e quatro mil quinhentos e sessenta e sete pessoas.'),
    ('Pi é 3,14.', 'Pi é três vírgula catorze.'),
]

HINDI = [
    ('तापमान 21°C है।', 'तापमान 21 डिग्री सेल्सियस है।'),
    ('तापमान 21.5°C है।', 'तापमान 21 दशमलव 5 डिग्री सेल्सियस है।'),
    ('कल -5°C था।', 'कल माइनस 5 डिग्री सेल्सियस था।'),
    ('तापमान 70°F है।', 'तापमान 70 डिग्री फ़ारेनहाइट है।'),
    ('कोण 45° है।', 'कोण 45 डिग्री है।'),
    ('बैटरी 50% है।', 'बैटरी 50 प्रतिशत है।'),
    ('बैटरी 50 % है।', 'बैटरी 50 प्रतिशत है।'),
    ('5-10 मिनट लगेंगे।', '5 से 10 मिनट लगेंगे।'),
    ('समय 15:30 है।', 'समय 15 बजकर 30 मिनट है।'),
    ('7:00 बजे मिलते हैं।', '7 बजे मिलते हैं।'),
    ('9:00-17:00 खुला है।', '9 बजे से 17 बजे खुला है।'),
    ('कीमत ₹3.50 है।', 'कीमत 3 रुपये 50 पैसे है।'),
    ('कीमत ₹1,23,456 है।', 'कीमत 123456 रुपये है।'),
    ('कीमत Rs. 200 है।', 'कीमत 200 रुपये है।'),
    ('कीमत $5 है।', 'कीमत 5 डॉलर है।'),
    ('कीमत 10 € है।', 'कीमत 10 यूरो है।'),
    ('गति 50 km/h है।', 'गति 50 किलोमीटर प्रति घंटा है।'),
    ('खपत 5 kWh है।', 'खपत 5 किलोवाट घंटा है।'),
    ('दूरी 12 km है।', 'दूरी 12 किलोमीटर है।'),
    ('पाई 3.14 है।', 'पाई 3 दशमलव 1 4 है।'),
    ('कुल 1,234,567 लोग।', 'कुल 1234567 लोग।'),
    ('तारीख 2026-11-25 है।', 'तारीख 25 नवंबर 2026 है।'),
    ('फोन +91 98765 43210 पर करें।', 'फोन प्लस 9 1, 9 8 7 6 5, 4 3 2 1 0 पर करें।'),
    ('संस्करण v1.2.3 है।', 'संस्करण 1 पॉइंट 2 पॉइंट 3 है।'),
    ('देखें https://www.example.com/path', 'देखें example डॉट com'),
    ('**लाइट** चालू है 💡!!!', 'लाइट चालू है!'),
    ('- रसोई: 21°C\n- बैठक: 19°C', 'रसोई: 21 डिग्री सेल्सियस।\nबैठक: 19 डिग्री सेल्सियस।'),
]

JAPANESE = [
    ('気温は21°Cです。', '気温は21度です。'),
    ('気温は21.5°Cです。', '気温は二十一点五度です。'),
    ('明日は-5°Cです。', '明日はマイナス5度です。'),
    ('気温は70°Fです。', '気温は華氏70度です。'),
    ('湿度は50%です。', '湿度は50パーセントです。'),
    ('湿度は50％です。', '湿度は50パーセントです。'),
    ('5-10分かかります。', '5から10分かかります。'),
    ('5〜10分かかります。', '5から10分かかります。'),
    ('15:30に会議です。', '15時30分に会議です。'),
    ('9:00に起きます。', '9時に起きます。'),
    ('9:00-17:00営業です。', '9時から17時営業です。'),
    ('価格は$3.50です。', '価格は3ドル50セントです。'),
    ('価格は€3です。', '価格は3ユーロです。'),
    ('価格は¥1,000です。', '価格は1000円です。'),
    ('価格は500円です。', '価格は500円です。'),
    ('速度は50km/hです。', '速度は50キロメートル毎時です。'),
    ('消費は5kWhです。', '消費は5キロワット時です。'),
    ('距離は12kmです。', '距離は12キロメートルです。'),
    ('円周率は3.14です。', '円周率は三点一四です。'),
    ('人口は1,234,567人です。', '人口は1234567人です。'),
    ('温度は-3度です。', '温度はマイナス3度です。'),
    ('日付は2026-11-25です。', '日付は2026年11月25日です。'),
    ('電話は03-1234-5678です。', '電話は0 3、1 2 3 4、5 6 7 8です。'),
    ('最新版はv1.2.3です。', '最新版はバージョン1点2点3です。'),
    ('詳しくはhttps://www.example.jp/pathへ。', '詳しくはexample ドット JPへ。'),
    ('**ライト**がついています💡！！！', 'ライトがついています！'),
    ('- 台所：21°C\n- 居間：19°C', '台所：21度。\n居間：19度。'),
]

CHINESE = [
    ('气温是21°C。', '气温是21摄氏度。'),
    ('气温是21.5°C。', '气温是21.5摄氏度。'),
    ('明天-5°C。', '明天零下5摄氏度。'),
    ('气温是70°F。', '气温是70华氏度。'),
    ('角度是45°。', '角度是45度。'),
    ('湿度是50%。', '湿度是50%。'),
    ('需要5-10分钟。', '需要5到10分钟。'),
    ('需要5~10分钟。', '需要5到10分钟。'),
    ('15:30开会。', '15点30分开会。'),
    ('9:00起床。', '9点起床。'),
    ('9:00-17:00营业。', '9点到17点营业。'),
    ('价格是$3.50。', '价格是3.5美元。'),
    ('价格是€3。', '价格是3欧元。'),
    ('价格是¥1,000。', '价格是1000元。'),
    ('价格是£2.00。', '价格是2英镑。'),
    ('速度是50km/h。', '速度是50公里每小时。'),
    ('用电5kWh。', '用电5千瓦时。'),
    ('距离12km。', '距离12公里。'),
    ('圆周率是3.14。', '圆周率是3.14。'),
    ('人口1,234,567人。', '人口1234567人。'),
    ('日期是2026-11-25。', '日期是2026年11月25日。'),
    ('电话是+86 138 1234 5678。', '电话是加8 6，1 3 8，1 2 3 4，5 6 7 8。'),
    ('版本v1.2.3。', '版本1点2点3。'),
    ('详见https://www.example.cn/path。', '详见example 点 CN。'),
    ('**灯**开着💡！！！', '灯开着！'),
    ('- 厨房：21°C\n- 客厅：19°C', '厨房：21摄氏度。\n客厅：19摄氏度。'),
]


@table(SPANISH)
def test_spanish(text, spoken):
    assert normalize(text, "es") == spoken


@table(FRENCH)
def test_french(text, spoken):
    assert normalize(text, "fr") == spoken


@table(ITALIAN)
def test_italian(text, spoken):
    assert normalize(text, "it") == spoken


@table(PORTUGUESE)
def test_brazilian_portuguese(text, spoken):
    assert normalize(text, "pt-br") == spoken


@table(HINDI)
def test_hindi(text, spoken):
    assert normalize(text, "hi") == spoken


@table(JAPANESE)
def test_japanese(text, spoken):
    assert normalize(text, "ja") == spoken


@table(CHINESE)
def test_chinese(text, spoken):
    assert normalize(text, "zh") == spoken


NUMBERS = [
    ("1.234.567,89", ("1234567", "89")),
    ("1,234,567.89", ("1234567", "89")),
    ("1\u202f234,5", ("1234", "5")),
    ("21,5", ("21", "5")),
    ("21.5", ("21", "5")),
    ("1.234", ("1234", "")),
    ("3.14159", ("3", "14159")),
    ("42", ("42", "")),
]


@pytest.mark.parametrize("text,parts", NUMBERS)
def test_separators_follow_the_conventions(text, parts):
    assert parse_number(text) == parts


@pytest.mark.parametrize(
    "text,language,spoken",
    [
        ("21", "es", "veintiuno"),
        ("-3,05", "es", "menos tres coma cero cinco"),
        ("0,125", "fr", "zéro virgule un deux cinq"),
        ("2", "pt-br", "dois"),
        ("1000000", "it", "un milione"),
    ],
)
def test_numbers_in_words(text, language, spoken):
    assert say_number(text, language) == spoken


REPLIES = {
    "es": "El salón está a 21,5 °C y la cocina a 19°C. Mañana, 2026-11-25, máxima de 25° a las 15:30; "
          "consumo 3,2 kWh (1,05 €), batería al 80 %.",
    "fr": "Le salon est à 21,5 °C et la cuisine à 19°C. Demain, 2026-11-25, max 25° à 15h30 ; "
          "consommation 3,2 kWh (1,05 €), batterie à 80 %.",
    "it": "Il soggiorno è a 21,5 °C e la cucina a 19°C. Domani, 2026-11-25, massima di 25° alle 15:30; "
          "consumo 3,2 kWh (1,05 €), batteria all'80 %.",
    "pt-br": "A sala está a 21,5 °C e a cozinha a 19°C. Amanhã, 2026-11-25, máxima de 25° às 15:30; "
             "consumo 3,2 kWh (R$ 1,05), bateria em 80 %.",
}


@pytest.mark.parametrize("language", sorted(REPLIES))
def test_no_digit_is_left_for_an_english_reading(language):
    spoken = normalize(REPLIES[language], language)
    assert not re.search(r"\d", spoken), spoken
    assert not re.search(r"[%°€$]", spoken), spoken


@pytest.mark.parametrize(
    "language,markdown,sentences",
    [
        ("es", "## Tiempo\n- Hoy: 21°C\n- Mañana: 19°C",
         ["Tiempo.", "Hoy: veintiún grados Celsius.", "Mañana: diecinueve grados Celsius."]),
        ("ja", "## 天気\n- 今日：21°C\n- 明日：19°C", ["天気。", "今日：21度。", "明日：19度。"]),
        ("zh", "## 天气\n- 今天：21°C\n- 明天：19°C", ["天气。", "今天：21摄氏度。", "明天：19摄氏度。"]),
        ("hi", "## मौसम\n- आज: 21°C\n- कल: 19°C", ["मौसम।", "आज: 21 डिग्री सेल्सियस।", "कल: 19 डिग्री सेल्सियस।"]),
    ],
)
def test_list_items_are_sentences_in_every_script(language, markdown, sentences):
    assert split_sentences(normalize(markdown, language), language) == sentences


# The digits left to a G2P are read in the language by it; what the rules write is read right too.
G2P_READS = [
    ("ja", "円周率は3.14です。", "saɴ teɴ iʨi joɴ"),  # pyopenjtalk alone says "san. juuyon"
    ("ja", "15:30に会議です。", "ʥɨː ɡo ʥi saɴ ʥɨː ɸɯɴ"),
    ("ja", "明日は-5°Cです。", "mainasɨ ɡo do"),
    ("zh", "15:30开会。", "ʂɨ↗u↓ tjɛ↓n sa→nʂɨ↗fə→n"),
    ("zh", "明天-5°C。", "li↗ŋɕja↘ u↓ ʂɤ↘ʂɨ↘tu↘"),
    ("hi", "पाई 3.14 है।", "tˈiːn dˈʌʃəmˌələʋ ˈeːk cˈaːɾ"),
    ("hi", "कीमत ₹1,23,456 है।", "ˈeːk lˈaːkʰ"),
]


@pytest.mark.parametrize("language,text,phonemes", G2P_READS)
def test_the_g2p_reads_what_normalize_leaves(language, text, phonemes):
    if not language_installed(language):
        pytest.skip(f"the {language} extra is not installed")
    assert phonemes in create_g2p(language).phonemize(normalize(text, language)).phonemes


# --- the kinds a native listener hears wrong when they are left as written (times, versions, titles, units,
# currencies, digits in Chinese and Japanese): a table per kind, every language where the kind occurs ---------

KIND_TIMES = [
    ("fr", "Il est 15 h 30.", "Il est quinze heures trente."),
    ("fr", "Il est 15h30.", "Il est quinze heures trente."),
    ("fr", "Il est 15:30.", "Il est quinze heures trente."),
    ("fr", "Rendez-vous à 15 h.", "Rendez-vous à quinze heures."),
    ("fr", "Je me lève à 7 h.", "Je me lève à sept heures."),
    ("fr", "Départ à 1 h 05.", "Départ à une heure cinq."),
    ("es", "El tren sale a las 15:30.", "El tren sale a las quince y treinta."),
    ("es", "Es la 1:15.", "Es la una y quince."),
    ("it", "Il treno parte alle 15:30.", "Il treno parte alle quindici e trenta."),
    ("pt-br", "O trem sai às 15h30.", "O trem sai às quinze e trinta."),
    ("pt-br", "O trem sai às 15:00.", "O trem sai às quinze horas."),
    ("hi", "ट्रेन 15:30 पर निकलती है।", "ट्रेन 15 बजकर 30 मिनट पर निकलती है।"),
    ("ja", "15:30に出発します。", "15時30分に出発します。"),
    ("zh", "15:30出发。", "15点30分出发。"),
]

KIND_VERSIONS = [
    ("en-us", "Version 2.4.1 is out.", "Version two point four point one is out."),
    ("en-us", "Update to v2.4 now.", "Update to version two point four now."),
    ("en-us", "Install 1.2.3-beta.", "Install one point two point three beta."),
    ("en-us", "Python 3.12 is faster.", "Python three point twelve is faster."),
    ("en-us", "Home Assistant 2024.12 is here.", "Home Assistant 2024 point twelve is here."),
    ("en-us", "Try 2.0-rc1 first.", "Try two point zero RC one first."),
    ("es", "La versión 2.4.1 ya está.", "La versión dos punto cuatro punto uno ya está."),
    ("es", "Python 3.12 es rápido.", "Python tres punto doce es rápido."),
    ("fr", "La version 2.4.1 est sortie.", "La version deux point quatre point un est sortie."),
    ("fr", "Installez la 1.2.3-beta.", "Installez la un point deux point trois beta."),
    ("fr", "Python 3.12 est rapide.", "Python trois point douze est rapide."),
    ("it", "La versione 2.4.1 è uscita.", "La versione due punto quattro punto uno è uscita."),
    ("it", "Python 3.12 è veloce.", "Python tre punto dodici è veloce."),
    ("pt-br", "A versão 2.4.1 saiu.", "A versão dois ponto quatro ponto um saiu."),
    ("pt-br", "Python 3.12 é rápido.", "Python três ponto doze é rápido."),
    ("hi", "संस्करण 2.4.1 आ गया है।", "संस्करण 2 पॉइंट 4 पॉइंट 1 आ गया है।"),
    ("hi", "Python 3.12 तेज़ है।", "Python 3 पॉइंट 12 तेज़ है।"),
    ("ja", "バージョン2.4.1が出ました。", "バージョン2点4点1が出ました。"),
    ("ja", "Python 3.12は速い。", "Python 3点12は速い。"),
    ("zh", "版本2.4.1已发布。", "版本2点4点1已发布。"),
    ("zh", "Python 3.12很快。", "Python 3点12很快。"),
]

KIND_TITLES = [
    ("en-us", "St. Louis is on the river.", "Saint Louis is on the river."),
    ("en-us", "It's St. Patrick's Day.", "It's Saint Patrick's Day."),
    ("en-us", "She lives on Main St.", "She lives on Main Street."),
    ("en-us", "I live on Main St. The shop is near.", "I live on Main Street. The shop is near."),
    ("en-us", "Turn left at 12 Elm Dr. and stop.", "Turn left at 12 Elm Drive and stop."),
    ("en-us", "Mt. Everest is tall.", "Mount Everest is tall."),
    ("en-us", "Ft. Worth is in Texas.", "Fort Worth is in Texas."),
    ("en-us", "Music by J. S. Bach.", "Music by J. S. Bach."),
    ("es", "El Sr. García y la Sra. López.", "El señor García y la señora López."),
    ("es", "Sr. García, su cita es hoy.", "Señor García, su cita es hoy."),
    ("es", "La Dra. Pérez llega.", "La doctora Pérez llega."),
    ("fr", "Mme Dupont et M. Martin arrivent.", "Madame Dupont et monsieur Martin arrivent."),
    ("fr", "Le Dr Petit vous attend.", "Le docteur Petit vous attend."),
    ("it", "Il Dott. Rossi e la Sig.ra Bianchi.", "Il dottor Rossi e la signora Bianchi."),
    ("it", "La basilica di S. Pietro.", "La basilica di San Pietro."),
    ("pt-br", "O Sr. Silva e a Sra. Souza.", "O senhor Silva e a senhora Souza."),
    ("pt-br", "A Dra. Lima chegou.", "A doutora Lima chegou."),
    ("hi", "डॉ. शर्मा आ रहे हैं।", "डॉक्टर शर्मा आ रहे हैं।"),
]

KIND_UNITS = [
    ("en-us", "It's 21°C and 50% humidity.", "It's 21 degrees Celsius and 50% humidity."),
    ("en-us", "Wind at 30 km/h.", "Wind at 30 kilometers per hour."),
    ("en-us", "It used 12 kWh.", "It used 12 kilowatt hours."),
    ("en-us", "It costs ¥500 or ₹200.", "It costs 500 yen or 200 rupees."),
    ("es", "Hace 21 °C y 50 % de humedad.", "Hace veintiún grados Celsius y cincuenta por ciento de humedad."),
    ("es", "Viento a 30 km/h.", "Viento a treinta kilómetros por hora."),
    ("es", "Cuesta ¥500 o ₹200.", "Cuesta quinientos yenes o doscientas rupias."),
    ("fr", "Il fait 21 °C.", "Il fait vingt et un degrés Celsius."),
    ("fr", "Il fait 1 °C.", "Il fait un degré Celsius."),
    ("fr", "Elle consomme 12 kWh.", "Elle consomme douze kilowattheures."),
    ("fr", "Ça coûte 5 € ou ¥500.", "Ça coûte cinq euros ou cinq cents yens."),
    ("it", "Una temperatura di 21 °C.", "Una temperatura di ventuno gradi Celsius."),
    ("it", "Umidità al 50 %.", "Umidità al cinquanta per cento."),
    ("it", "Costa ₹200.", "Costa duecento rupie."),
    ("pt-br", "Faz 21 °C e 30 km/h.", "Faz vinte e um graus Celsius e trinta quilômetros por hora."),
    ("pt-br", "Custa ¥500.", "Custa quinhentos ienes."),
    ("hi", "कीमत ¥500 है।", "कीमत 500 येन है।"),
    ("hi", "तापमान 21 °C है।", "तापमान 21 डिग्री सेल्सियस है।"),
    ("ja", "値段は₹200です。", "値段は200ルピーです。"),
    ("ja", "風速30km/h。", "風速30キロメートル毎時。"),
    ("zh", "价格是₹200。", "价格是200卢比。"),
    ("zh", "气温21°C。", "气温21摄氏度。"),
]


def kind_table(rows: list[tuple[str, str, str]]):
    return pytest.mark.parametrize("language,text,spoken", rows, ids=[f"{r[0]}:{r[1][:30]}" for r in rows])


@kind_table(KIND_TIMES)
def test_times_are_said_as_the_language_says_them(language, text, spoken):
    assert normalize(text, language) == spoken


@kind_table(KIND_VERSIONS)
def test_version_numbers_are_said_part_by_part(language, text, spoken):
    assert normalize(text, language) == spoken


@kind_table(KIND_TITLES)
def test_titles_before_a_name_and_street_words_after_one(language, text, spoken):
    assert normalize(text, language) == spoken


@kind_table(KIND_UNITS)
def test_units_and_currencies_in_every_language(language, text, spoken):
    assert normalize(text, language) == spoken


# Digits left to the Chinese and Japanese G2P are read as the language's numbers, never as English.
CJK_DIGITS = [
    ("zh", "气温23度。", "ɚ↘ʂɨ↗sa→n tu↘"),  # 二十三度
    ("zh", "湿度50%。", "pai↓fə→nꭧɨ→u↓ʂɨ↗"),  # 百分之五十
    ("zh", "版本2.4.1已发布。", "ɚ↘tjɛ↓n sɨ↘tjɛ↓n i→"),  # 二点四点一
    ("ja", "気温は23度です。", "ɲiʥɨːsaɴ do"),  # にじゅうさんど
    ("ja", "バージョン2.4.1です。", "ɲi teɴ joɴ teɴ iʨi"),  # に てん よん てん いち
]


@pytest.mark.parametrize("language,text,phonemes", CJK_DIGITS)
def test_chinese_and_japanese_digits_are_read_in_the_language(language, text, phonemes):
    if not language_installed(language):
        pytest.skip(f"the {language} extra is not installed")
    said = create_g2p(language).phonemize(normalize(text, language)).phonemes
    assert phonemes in said, said

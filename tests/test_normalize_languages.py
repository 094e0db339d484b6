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

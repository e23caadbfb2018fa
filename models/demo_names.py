"""Name tables for the demo data: Kyrgyz, Uzbek and Russian names, rayons, phone formats.

Only the synthetic demo database uses these (see `models.demo`). The lists hold common
names with rough frequency weights; family names are stored in the male form and turned
into the female form (-ова, -ева, -ина) when needed. `passport_latin` spells a Cyrillic
name the way Kyrgyz passports do (ж → zh, ү → u, ө → o, ң → n, ы → y …).
"""

from __future__ import annotations

import functools

# --- family names (male form) --------------------------------------------------------

KYRGYZ_FAMILY = (
    "Асанов Токтогулов Жээнбеков Мамытов Бакиров Абдыкадыров Осмонов Касымов Сыдыков "
    "Исаков Омуров Турдубаев Эшимов Ниязбеков Алымбеков Жумабаев Садыков Кадыров Темиров "
    "Сатыбалдиев Абдрахманов Усенов Токтосунов Шаршенов Маматов Ташиев Өмүрбеков "
    "Бөкөнбаев Түлөбердиев Мамбетов Эргешов Калыков Жусупов Аманов Дүйшөнбиев "
    "Кубанычбеков Сагынбаев Орозбеков Жолдошев Арстанбеков Байтиков Сулайманов Нурматов "
    "Аскаров Абдыраев Кенжебаев Момунов Үсөнов Көчкөнов Төрөбеков Бообеков Чыныбаев "
    "Шамшиев Ыбыраев Кеңешбеков Жаңыбаев Айтматов Исмаилов Медетов Суранчиев"
).split()
UZBEK_FAMILY = (
    "Юсупов Рахимов Каримов Ахмедов Абдуллаев Мирзаев Турсунов Холматов Эргашев Назаров "
    "Махмудов Усманов Алимов Хамидов"
).split()
RUSSIAN_FAMILY = (
    "Иванов Петров Смирнов Кузнецов Попов Васильев Соколов Морозов Волков Новиков Федоров "
    "Лебедев Ким Шевченко"
).split()

# --- given names ---------------------------------------------------------------------

KYRGYZ_MALE = (
    "Нурлан Бакыт Азамат Эрлан Улан Талант Бекболот Мирлан Айбек Жыргалбек Нурбек Максат "
    "Эрмек Канат Руслан Замир Тилек Элдияр Адилет Алмаз Бактыбек Данияр Жеңишбек Кубаныч "
    "Медер Нурсултан Өмүрбек Самат Темирлан Үмүтбек Чыңгыз Өмүр Нуржигит Бекжан Марат "
    "Айдар Асылбек Бектур Ислам Эмил"
).split()
KYRGYZ_FEMALE = (
    "Айгүл Гүлнара Жылдыз Нургүл Айпери Бермет Чолпон Мээрим Айжан Асель Гүлзат Жаңыл "
    "Назгүл Айзада Динара Нуриза Элнура Бүбүсара Айнура Толгонай Мөлдүр Канышай Акмарал "
    "Гүлмира Жаркынай Айдана Венера Мира Салтанат Күнжан"
).split()
UZBEK_MALE = "Бахтиёр Шерзод Улугбек Дилшод Рустам Фаррух Жасур Отабек Азиз Шухрат".split()
UZBEK_FEMALE = "Дилноза Гулчехра Зулфия Нилуфар Мадина Феруза Малика Шахноза".split()
RUSSIAN_MALE = "Александр Сергей Дмитрий Андрей Алексей Владимир Евгений Игорь Виктор".split()
RUSSIAN_FEMALE = "Елена Ольга Наталья Татьяна Ирина Светлана Юлия Анна Екатерина Марина".split()

# Fathers' names (an older generation) from which patronymics are formed.
KYRGYZ_FATHERS = (
    "Асан Токтосун Жумабай Абдыкадыр Мамбет Сапар Качкынбай Орозбек Турдубек Шаршенбек "
    "Кубанычбек Эсенбек Бообек Токон Нурлан Бакыт Алмаз Марат Кеңеш Үсөн Төлөн Мамат "
    "Жолдош Аскар Жеңиш Садык Осмон Калык"
).split()
UZBEK_FATHERS = "Рахим Карим Ахмед Абдулла Мирза Турсун Холмат Эргаш Назар Махмуд".split()
RUSSIAN_FATHERS = "Александр Сергей Дмитрий Андрей Алексей Владимир Николай Виктор Игорь".split()

_RUSSIAN_PATRONYMIC = {
    "Сергей": ("Сергеевич", "Сергеевна"),
    "Алексей": ("Алексеевич", "Алексеевна"),
    "Андрей": ("Андреевич", "Андреевна"),
    "Николай": ("Николаевич", "Николаевна"),
    "Дмитрий": ("Дмитриевич", "Дмитриевна"),
}

# --- rayons of origin (free text under the oblast) -------------------------------------

RAYONS: dict[str, tuple[str, ...]] = {
    "chuy": ("Аламүдүн", "Сокулук", "Москва", "Жайыл", "Панфилов", "Ысык-Ата", "Кемин", "Чүй"),
    "osh_oblast": ("Кара-Суу", "Ноокат", "Өзгөн", "Араван", "Алай", "Кара-Кулжа", "Чоң-Алай"),
    "jalal_abad": (
        "Сузак", "Базар-Коргон", "Ноокен", "Аксы", "Ала-Бука", "Тогуз-Торо", "Токтогул",
        "Чаткал",
    ),
    "batken": ("Баткен", "Лейлек", "Кадамжай"),
    "naryn": ("Ак-Талаа", "Ат-Башы", "Жумгал", "Кочкор", "Нарын"),
    "talas": ("Бакай-Ата", "Кара-Буура", "Манас", "Талас"),
    "issyk_kul": ("Ак-Суу", "Жети-Өгүз", "Тоң", "Түп", "Ысык-Көл"),
    "bishkek": ("Ленин", "Октябрь", "Свердлов", "Биринчи Май"),
    "osh_city": (),
}

# Oblasts whose population includes a sizeable Uzbek minority.
SOUTH = frozenset({"osh_oblast", "osh_city", "jalal_abad", "batken"})

# --- phones --------------------------------------------------------------------------

KG_MOBILE_PREFIXES = (
    "500 501 502 505 507 508 550 551 552 553 554 555 556 557 559 700 701 702 703 704 705 "
    "706 707 708 709 770 771 772 773 774 775 776 777 778 779 220 221 222 990 995 996 997 "
    "998 999"
).split()
RU_MOBILE_PREFIXES = (
    "903 905 906 909 910 915 916 917 919 925 926 929 960 962 963 964 965 977 985 999"
).split()
KZ_MOBILE_PREFIXES = "700 701 702 705 707 708 747 771 775 776 777 778".split()


# --- name forms ----------------------------------------------------------------------

def female_family(name: str) -> str:
    """The female form of a family name (Асанов → Асанова); invariant names unchanged."""
    if name.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return name + "а"
    return name


def patronymic(father: str, female: bool, *, kyrgyz_style: bool) -> str:
    """A patronymic from the father's name: Russian style (-ович/-овна) or Kyrgyz (уулу/кызы)."""
    if kyrgyz_style:
        return f"{father} {'кызы' if female else 'уулу'}"
    if father in _RUSSIAN_PATRONYMIC:
        return _RUSSIAN_PATRONYMIC[father][1 if female else 0]
    if father.endswith("ай"):
        stem = father[:-1]
        return stem + ("евна" if female else "евич")
    return father + ("овна" if female else "ович")


# Kyrgyz passport transliteration (Cyrillic → Latin), as used in KR passports.
_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "ң": "n",
    "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ү": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "iu", "я": "ia",
}  # fmt: skip


@functools.lru_cache(maxsize=4096)
def passport_latin(text: str) -> str:
    """The passport (Latin, upper-case) spelling of a Cyrillic name: Жээнбеков → ZHEENBEKOV."""
    out = []
    for ch in text:
        low = ch.lower()
        out.append(_LATIN.get(low, low if low.isascii() else ""))
    return "".join(out).upper()

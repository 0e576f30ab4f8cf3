"""One-line system summaries built offline from a conversation.

The summary names what the conversation is about (a few topic words) and the products,
chips and models mentioned, in the conversation's main language (Korean or English).
It is always a single line and at most `MAX_SUMMARY_CHARS` characters long.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..models import Conversation

MAX_SUMMARY_CHARS = 200
MAX_PRODUCTS = 4
MAX_TOPICS = 3

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")
_NOT_ALNUM_BEFORE = r"(?<![A-Za-z0-9_.-])"
_NOT_ALNUM_AFTER = r"(?![A-Za-z0-9_])"

# Part numbers: letters and digits mixed in one token, optionally with dashed suffixes:
# W5500, W7500P, ESP32-S3, STM32F407, nRF52840, gpt-4o, GPT-3.5-turbo, Llama-3-8B.
_PART = re.compile(
    _NOT_ALNUM_BEFORE
    + r"([A-Za-z]{1,8}-?\d[A-Za-z0-9]*(?:[.-][A-Za-z0-9]+)*)"
    + _NOT_ALNUM_AFTER
)
# Family name + model number as two words: RTX 4090, GTX 1080, Jetson Nano is not caught here.
_FAMILY_NUMBER = re.compile(
    _NOT_ALNUM_BEFORE + r"([A-Z]{2,5}|[A-Z][a-z]{2,9}) (\d{3,5}[A-Za-z]{0,3})" + _NOT_ALNUM_AFTER
)
# Mixed-case brand-like words: WIZnet, iPhone, ChatGPT, MicroPython, PlatformIO.
_CAMEL = re.compile(
    _NOT_ALNUM_BEFORE + r"([a-z]+[A-Z][A-Za-z]*|[A-Z]{2,}[a-z]+[A-Za-z]*|[A-Z][a-z]+[A-Z][A-Za-z]*)"
    + _NOT_ALNUM_AFTER
)
# Capitalised words that do not start a sentence: Arduino, Raspberry Pi, Ubuntu.
_CAPITALISED = re.compile(r"(?<=[a-z0-9,;] )([A-Z][a-z]{2,}(?: [A-Z][a-z]+)?)" + _NOT_ALNUM_AFTER)
_ACRONYM = re.compile(_NOT_ALNUM_BEFORE + r"([A-Z]{2,6}s?)" + _NOT_ALNUM_AFTER)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")
_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]{2,}")

# Tokens that look like part numbers but name protocols, encodings, units or errors.
_NOT_PRODUCTS = {
    "ipv4", "ipv6", "utf-8", "utf8", "utf-16", "md5", "sha1", "sha256", "sha-256", "mp3", "mp4",
    "h264", "h265", "http2", "http3", "tls1.2", "tls1.3", "x86", "x64", "x86-64", "arm64", "i2c",
    "i2s", "802.11", "rs232", "rs-232", "rs485", "rs-485", "base64", "win32", "q1", "q2", "q3",
    "q4", "pm2", "cp949", "euc-kr", "iso-8859-1", "2fa", "c99", "c11", "c++17", "http 404",
    "http 500", "error 404", "port 80", "port 443", "port 5000", "port 8080",
}
_ACRONYM_STOP = {
    "OK", "I", "AM", "PM", "FYI", "ASAP", "BTW", "THX", "TIA", "PS", "EN", "KO", "KR", "US", "UK",
    "QA", "FAQ", "IMO", "AFAIK", "LOL", "OP", "RE", "FW", "CC", "ETA", "TBD", "NB", "ID", "OS",
}
_CAPITAL_STOP = {
    "The", "This", "That", "These", "Those", "There", "Then", "Thanks", "Thank", "Hello", "Please",
    "Could", "Would", "Should", "What", "When", "Where", "Which", "While", "With", "Also", "Just",
    "Regards", "Best", "Dear", "Sorry", "Yes", "Okay", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "June",
    "July", "August", "September", "October", "November", "December", "English", "Korean",
    "Customer", "Engineer", "Support", "Agent", "User", "Team", "Inc", "Ltd", "Mr", "Mrs", "Ms",
}
_EN_STOP = {
    "about", "after", "again", "also", "answer", "anyone", "appreciate", "been", "before", "being",
    "can't", "check", "could", "does", "doesn't", "done", "don't", "each", "else", "even",
    "every", "from", "full", "getting", "give", "going", "good", "great", "have", "hello",
    "help", "here", "however", "i'm", "i've", "into", "it's", "just", "know", "like", "look",
    "looks", "make", "many", "maybe", "more", "most", "much", "must", "need", "needs", "never",
    "next", "only", "other", "please", "problem", "question", "really", "right", "same", "seems",
    "should", "since", "some", "something", "still", "sure", "take", "tell", "than", "thank",
    "thanks", "that", "that's", "their", "them", "then", "there", "these", "they", "thing",
    "think", "this", "those", "through", "time", "trying", "until", "used", "using", "very",
    "want", "wanted", "well", "were", "what", "when", "where", "which", "while", "will", "with",
    "without", "work", "works", "working", "would", "your", "you're", "yours", "issue", "hi",
    "hey", "able", "there's", "what's", "let", "lets", "let's", "okay", "sorry", "dear", "best",
    "regards", "someone", "anything", "both", "because", "cannot", "currently", "kind",
    "correct", "tried", "seem", "happen", "happens", "happened", "possible", "way", "ways",
}
_KO_STOP = {
    "안녕하세요", "감사합니다", "고맙습니다", "문의", "문의드립니다", "질문", "답변", "확인",
    "부탁드립니다", "혹시", "그리고", "그런데", "하지만", "그래서", "제가", "저희", "이거", "그거",
    "어떻게", "무엇",
    "지금", "현재", "경우", "사용", "관련", "내용", "부분", "방법", "문제", "가능", "다시", "이번",
    "고객님", "엔지니어", "상담원", "네", "아니요", "정도", "이상", "이하", "때문", "좀", "많이",
}
# Endings that mark a verb/adjective form (not a topic noun) and particles to strip.
_KO_VERB_ENDINGS = ("다", "요", "까", "죠", "네", "면", "고", "서", "지", "며", "니", "게", "도록",
                    "는데", "는지", "습니다", "세요")
_KO_PARTICLES = ("에서는", "에서", "으로", "에게", "한테", "까지", "부터", "처럼", "보다", "이나",
                 "은", "는", "이", "가", "을", "를", "에", "의", "로", "와", "과", "도", "만", "랑")


def is_korean(text: str) -> bool:
    """Korean when Hangul makes up a real share of the letters (product names stay Latin)."""
    hangul = len(_HANGUL.findall(text))
    latin = len(_LATIN.findall(text))
    return hangul > 0 and hangul >= 0.3 * (hangul + latin)


def find_products(text: str) -> list[str]:
    """Product, chip and model names in order of first mention, without duplicates."""
    found: list[tuple[int, str]] = []
    for pattern in (_FAMILY_NUMBER, _PART, _CAMEL, _CAPITALISED):
        for match in pattern.finditer(text):
            if pattern is _FAMILY_NUMBER:
                name = f"{match.group(1)} {match.group(2)}"
            else:
                name = match.group(1)
            if _looks_like_product(name, pattern is _CAPITALISED):
                found.append((match.start(), name))
    names: list[str] = []
    seen: set[str] = set()
    for _, name in sorted(found):
        key = name.lower()
        # "RTX 4090" already covers a bare "4090"; "ESP32-S3" covers "ESP32".
        if key in seen or any(key in other.lower().split() for other in names):
            continue
        if any(other.lower().startswith(key + "-") for other in names):
            continue
        seen.add(key)
        names.append(name)
    return names


def _looks_like_product(name: str, capitalised_word: bool) -> bool:
    low = name.lower()
    if low in _NOT_PRODUCTS or len(name) > 40:
        return False
    if capitalised_word:
        return not any(word in _CAPITAL_STOP for word in name.split())
    # "step1", "v2", "a4": too short to be a part number
    short = re.fullmatch(r"[A-Za-z]+\d+", name) and not re.search(r"\d{2,}|[A-Z]\d", name)
    return not short


def topic_words(text: str, korean: bool, exclude: Iterable[str] = ()) -> list[str]:
    """A few frequent technical words: acronyms first, then content words."""
    excluded = {e.lower() for e in exclude}
    excluded |= {part.lower() for e in exclude for part in re.split(r"[\s-]+", e)}
    # Part-number-like tokens (W5500, UTF-8, RTX 4090) are products or noise, not topics.
    text = _PART.sub(" ", _FAMILY_NUMBER.sub(" ", text))
    acronyms = Counter(
        a for a in _ACRONYM.findall(text) if a not in _ACRONYM_STOP and a.lower() not in excluded
    )
    words: Counter[str] = Counter()
    if korean:
        for token in _HANGUL_WORD.findall(text):
            noun = _korean_noun(token)
            if noun and noun not in _KO_STOP:
                words[noun] += 1
    else:
        for token in _WORD.findall(text):
            low = token.lower().strip("'-")
            if low in _EN_STOP or low in excluded or token.isupper():
                continue
            words[low] += 1
    ranked = [a for a, _ in acronyms.most_common(MAX_TOPICS)]
    for word, count in words.most_common():
        if len(ranked) >= MAX_TOPICS:
            break
        if count >= 2 or len(ranked) < 1:
            ranked.append(word)
    return ranked[:MAX_TOPICS]


def _korean_noun(token: str) -> str | None:
    if token.endswith(_KO_VERB_ENDINGS):
        return None
    for particle in _KO_PARTICLES:
        if token.endswith(particle) and len(token) - len(particle) >= 2:
            return token[: -len(particle)]
    return token


def _join_en(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def summarise_text(text: str, *, question_text: str | None = None) -> str:
    """The one-line summary for a transcript; `question_text` weights the topic words."""
    korean = is_korean(text)
    products = find_products(text)[:MAX_PRODUCTS]
    topics = topic_words(question_text or text, korean, exclude=products)
    if not topics and question_text:
        topics = topic_words(text, korean, exclude=products)
    if korean:
        product_part = ", ".join(products)
        topic_part = ", ".join(topics)
        if products and topics:
            line = f"이 대화는 {product_part}의 {topic_part}에 관한 내용입니다."
        elif products:
            line = f"이 대화는 {product_part}에 관한 내용입니다."
        elif topics:
            line = f"이 대화는 {topic_part}에 관한 내용입니다."
        else:
            line = "고객 지원 문의에 관한 대화입니다."
    else:
        product_part = _join_en(products)
        topic_part = _join_en(topics)
        if products and topics:
            line = f"This conversation is about {topic_part} on the {product_part}."
        elif products:
            line = f"This conversation is about the {product_part}."
        elif topics:
            line = f"This conversation is about {topic_part}."
        else:
            line = "This conversation is a customer support exchange."
    return one_line(line)


def summarise(conversation: Conversation) -> str:
    """Summary of a conversation; topic words come mostly from what the customer asked."""
    text = "\n".join(turn.text for turn in conversation.turns)
    asked = "\n".join(t.text for t in conversation.turns if t.role == "customer")
    return summarise_text(text, question_text=asked or None)


def one_line(text: str, limit: int = MAX_SUMMARY_CHARS) -> str:
    """Collapse all whitespace (newlines included) and cut to `limit` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"

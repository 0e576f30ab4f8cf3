"""One-line system summaries built offline from a conversation.

The summary names what the conversation is about (a short topic phrase taken from what the
customer asked) and the products, chips and models mentioned, in the conversation's main
language (Korean or English). It is always a single line of at most `MAX_SUMMARY_CHARS`
characters, and the same conversation always gives the same line.

Products are model-number-like tokens (W5500, ESP32-S3, RTX 4090, gpt-4o-mini) joined with a
capitalised brand word right before them ("Vela RX60"); units, versions and pin names are not
products. Topics are runs of content words (acronyms, technical terms, nouns) from the
customer's turns, ranked by how often their words recur in the whole conversation.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..models import Conversation
from .summary_words import (
    ACRONYM_STOP,
    BRAND_STOP,
    EN_STOP,
    KO_ADNOMINAL,
    KO_DO_NOUNS,
    KO_PARTICLES_AFTER_CONSONANT,
    KO_PARTICLES_AFTER_VOWEL,
    KO_PARTICLES_ANY,
    KO_STOP,
    KO_VERB_ENDINGS,
    KO_VERB_SUFFIXES,
    NOT_FAMILIES,
    NOT_PRODUCTS,
    UNITS,
)

MAX_SUMMARY_CHARS = 200
MAX_PRODUCTS = 3
MAX_TOPIC_WORDS = 5

NEUTRAL_EN = "Customer support conversation."
NEUTRAL_KO = "고객 지원 상담입니다."

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")
_NOT_ALNUM_BEFORE = r"(?<![A-Za-z0-9_.+-])"
_NOT_ALNUM_AFTER = r"(?![A-Za-z0-9_+]|[.-][A-Za-z0-9])"
_CODE_SPAN = re.compile(r"`[^`\n]*`")

# Part numbers: letters and digits mixed in one token, optionally with dashed suffixes:
# W5500, W7500P, ESP32-S3, STM32F407, nRF52840, gpt-4o, GPT-3.5-turbo, Llama-3-8B.
_PART = re.compile(
    _NOT_ALNUM_BEFORE
    + r"([A-Za-z]{1,8}-?\d[A-Za-z0-9]*(?:[.-][A-Za-z0-9]+)*)"
    + _NOT_ALNUM_AFTER
)
# Family name + model number as two words: RTX 4090, GTX 1080.
_FAMILY_NUMBER = re.compile(
    _NOT_ALNUM_BEFORE + r"([A-Z]{2,5}|[A-Z][a-z]{2,9}) (\d{3,5}[A-Za-z]{0,3})" + _NOT_ALNUM_AFTER
)
_UNIT_AFTER = re.compile(r"\s*([A-Za-zµΩ]+)")
# A capitalised word (Vela, HexaNet) right before a model number, and what precedes it.
_BRAND_BEFORE = re.compile(r"(?:^|(?<=[\s(\"'“]))([A-Z][a-z]+(?:[A-Z][a-z]*)*|[A-Z][a-z]*[A-Z]"
                           r"[A-Za-z]*) $")

_VERSION = re.compile(r"(?i)v\d+(?:\.\d+)*[a-z]?|(?:gen|rev|ver|r)\.?\d+")
# Pins, jumpers, board reference designators and numbered peripheral instances.
_PERIPHERAL = (r"UART|USART|SPI|I2C|I2S|CAN|ADC|DAC|TIM|DMA|EXTI|PLL|COM|CH|USB|PWM|SDIO|ETH"
               r"|QSPI|LPUART")
_PIN = re.compile(rf"(?i)P[A-K]\d{{1,2}}|GPIO\d+|IO\d+|JP\d+|J\d+|SW\d+|[RCUDLQ]\d+|A\d|LED\d+"
                  rf"|AF\d+|(?:{_PERIPHERAL})\d+")
_PERIPHERAL_INSTANCE = re.compile(rf"({_PERIPHERAL})\d+")

_TOKEN = re.compile(r"[\uac00-\ud7a3]+|[A-Za-z0-9µΩ_]+(?:[.'+-][A-Za-z0-9µΩ_]+)*|\S")
_ACRONYM = re.compile(r"[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*s?")
_MIXED_CASE = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_PLAIN_WORD = re.compile(r"[A-Za-z]{3,}(?:[-'][A-Za-z]+)*")
_SENTENCE_END = {".", "!", "?", ":", ";"}


def is_korean(text: str) -> bool:
    """Korean when Hangul makes up a real share of the letters (product names stay Latin)."""
    hangul = len(_HANGUL.findall(text))
    latin = len(_LATIN.findall(text))
    return hangul > 0 and hangul >= 0.3 * (hangul + latin)


# --- products ---------------------------------------------------------------------------------

def _product_key(name: str) -> str:
    """Spelling-insensitive identity of a model number: NX-2 = NX2 = nx 2."""
    return re.sub(r"[\s-]+", "", name.lower())


def _is_model_number(token: str) -> bool:
    low = token.lower()
    if low in NOT_PRODUCTS or len(token) > 40:
        return False
    if _VERSION.fullmatch(token) or _PIN.fullmatch(token):
        return False
    compact = token.replace("-", "")
    plain = re.fullmatch(r"([A-Za-z]+)(\d+)", compact)
    if plain:
        letters, digits = plain.groups()
        if len(letters) == 1 and len(digits) < 3:  # E-07, Q1, v2
            return False
        if not re.search(r"\d{2,}|[A-Z]\d", compact):  # step1, abc2
            return False
    return True


def _is_family_number(match: re.Match[str], text: str) -> bool:
    family = match.group(1)
    low = family.lower()
    if low in NOT_FAMILIES or low in EN_STOP or low in UNITS or family in ACRONYM_STOP:
        return False
    if f"{low} {match.group(2).lower()}" in NOT_PRODUCTS:
        return False
    unit = _UNIT_AFTER.match(text, match.end())
    return not (unit and unit.group(1).lower() in UNITS)


def _brand_before(text: str, start: int) -> str | None:
    """A brand word immediately before a model number, if there is one."""
    match = _BRAND_BEFORE.search(text, max(0, start - 40), start)
    if not match:
        return None
    word = match.group(1)
    low = word.lower()
    if word in BRAND_STOP or low in EN_STOP or low in UNITS or low in NOT_FAMILIES:
        return None
    if re.search(r"(?:ing|ed)$", word):
        return None  # "Updating NX-2 fails", "Flashed W5500"
    return word


@dataclass
class _Product:
    key: str
    name: str
    position: int
    brand: str | None = None
    forms: set[str] = field(default_factory=set)

    @property
    def display(self) -> str:
        return f"{self.brand} {self.name}" if self.brand else self.name


def _product_mentions(text: str) -> list[_Product]:
    text = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)
    spans: list[tuple[int, int, str]] = []
    for match in _FAMILY_NUMBER.finditer(text):
        if _is_family_number(match, text):
            spans.append((match.start(), match.end(), f"{match.group(1)} {match.group(2)}"))
    covered = {i for start, end, _ in spans for i in range(start, end)}  # RTX 4090 is one
    for match in _PART.finditer(text):
        start, end = match.span(1)
        if start in covered or not _is_model_number(match.group(1)):
            continue
        spans.append((start, end, match.group(1)))
    products: dict[str, _Product] = {}
    for start, _end, name in sorted(spans):
        key = _product_key(name)
        product = products.setdefault(key, _Product(key, name, start))
        product.forms.add(name)
        brand = _brand_before(text, start)
        if brand and product.brand is None:
            product.brand = brand
    return sorted(products.values(), key=lambda p: p.position)


def _distinct_products(text: str) -> list[_Product]:
    kept: list[_Product] = []
    for product in _product_mentions(text):
        # "ESP32-S3" already covers a later bare "ESP32"; "RTX 4090" covers "4090".
        if any(other.key.startswith(product.key) and other.key != product.key
               and re.match(rf"(?i){re.escape(product.name)}[-\s]", other.name)
               for other in kept):
            continue
        kept.append(product)
    return kept


def find_products(text: str) -> list[str]:
    """Product, chip and model names in order of first mention, without duplicates."""
    return [p.display for p in _distinct_products(text)]


# --- topics -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Term:
    key: str
    form: str
    tech: bool
    ends_run: bool = False


_BREAK = None


def _latin_term(token: str, product_keys: set[str], brands: set[str]) -> _Term | None:
    if any(ch.isdigit() for ch in token):
        if _product_key(token) in product_keys:
            return None
        instance = _PERIPHERAL_INSTANCE.fullmatch(token)
        if instance:  # UART2 is about the UART
            return _Term(instance.group(1).lower(), instance.group(1), True)
        if _ACRONYM.fullmatch(token) and not token[-1].isdigit():  # I2C, I2S
            return _Term(token.lower(), token, True)
        return None
    if "_" in token or "+" in token or "." in token:
        return None
    low = token.lower()
    if low in UNITS or token in brands:
        return None
    if _ACRONYM.fullmatch(token):
        base = token[:-1] if token.endswith("s") and len(token) > 2 else token
        if base in ACRONYM_STOP or base.lower() in UNITS:
            return None
        return _Term(base.lower(), token, True)
    if _MIXED_CASE.fullmatch(token) and re.search(r".[A-Z]", token):  # PCIe, OpenCL, Wi-Fi
        return _Term(low, token, True)
    if _PLAIN_WORD.fullmatch(token) and low not in EN_STOP:
        key = low[:-1] if low.endswith("s") and not low.endswith("ss") and len(low) > 3 else low
        if key in EN_STOP:
            return None
        return _Term(key, token, False)
    return None


def _has_final_consonant(syllable: str) -> bool:
    return (ord(syllable) - 0xAC00) % 28 != 0


def _korean_term(token: str, next_token: str) -> _Term | None:
    """The noun in a Korean word, with particles and verb endings removed."""
    if token in KO_STOP or next_token == "수":  # 되돌릴 수 있나요: a verb
        return None
    for i in range(2, len(token)):
        if token.startswith(KO_VERB_SUFFIXES, i):  # 실패합니다 → 실패, 롤백하면 → 롤백
            if token[i:] in KO_ADNOMINAL:  # 저장된 설정: describes the next word
                return None
            return _korean_noun(token[:i], ends_run=True)
    if token.endswith(KO_VERB_ENDINGS):
        return None
    if token.endswith("는") and len(token) >= 2 and _has_final_consonant(token[-2]):
        return None  # 있는, 없는: adnominal verb forms
    for particle in _korean_particles():
        if particle == "도" and token.endswith(KO_DO_NOUNS):  # 온습도, 속도: not a particle
            break
        stem = token[: -len(particle)]
        if not token.endswith(particle) or not stem:
            continue
        if not _particle_fits(particle, stem[-1]):
            continue
        if stem.endswith(KO_VERB_ENDINGS):  # 올리다가
            return None
        return _korean_noun(stem, ends_run=True)
    return _korean_noun(token, ends_run=False)


def _particle_fits(particle: str, last: str) -> bool:
    """Whether `particle` can follow the syllable `last` (을 after 듈, 를 after 어)."""
    final = (ord(last) - 0xAC00) % 28
    if particle in KO_PARTICLES_AFTER_CONSONANT:
        return final != 0
    if particle in KO_PARTICLES_AFTER_VOWEL:
        return final == 0 or (particle.startswith("로") and final == 8)  # 모듈로: ㄹ takes 로
    return True


def _korean_noun(noun: str, *, ends_run: bool) -> _Term | None:
    if len(noun) < 2 or noun in KO_STOP:
        return None
    return _Term(noun, noun, False, ends_run)


def _korean_particles() -> list[str]:
    every = KO_PARTICLES_ANY + KO_PARTICLES_AFTER_CONSONANT + KO_PARTICLES_AFTER_VOWEL
    return sorted(every, key=len, reverse=True)


def _terms(text: str, products: list[_Product]) -> list[_Term | None]:
    """The text as a sequence of topic terms and run breaks (None)."""
    product_keys = {p.key for p in products} | {_product_key(f) for p in products for f in p.forms}
    brands = {p.brand for p in products if p.brand}
    text = _CODE_SPAN.sub(" ", text)
    tokens = _TOKEN.findall(text)
    out: list[_Term | None] = []
    at_start = True
    for index, token in enumerate(tokens):
        if _HANGUL.match(token):
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            term = _korean_term(token, following)
        else:
            term = _latin_term(token, product_keys, brands)
            if term and not term.tech and at_start:
                term = _Term(term.key, term.form.lower() if term.form.istitle() else term.form,
                             False)
        out.append(term)
        if term and term.ends_run:
            out.append(_BREAK)
        at_start = token in _SENTENCE_END
    return out


def _runs(terms: list[_Term | None]) -> list[list[_Term]]:
    runs: list[list[_Term]] = [[]]
    for term in terms:
        if term is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(term)
    return [run for run in runs if run]


def topic_phrases(customer_text: str, other_text: str, products: list[_Product]) -> list[str]:
    """One or two short topic phrases from the customer's words, weighted by recurrence."""
    asked = _terms(customer_text, products)
    answered = _terms(other_text, products)
    asked_counts = Counter(t.key for t in asked if t)
    answered_counts = Counter(t.key for t in answered if t)
    tech = {t.key for t in asked + answered if t and t.tech}
    forms: dict[str, Counter[str]] = {}
    for term in asked + answered:
        if term:
            forms.setdefault(term.key, Counter())[term.form] += 1

    def weight(key: str) -> float:
        return 2 * asked_counts[key] + answered_counts[key] + (1 if key in tech else 0)

    def weak(key: str) -> bool:
        return asked_counts[key] + answered_counts[key] < 2 and key not in tech

    def span_score(span: list[_Term]) -> float:
        """Words said only once add little, so recurring words decide the phrase."""
        return sum(0.25 * weight(t.key) if weak(t.key) else weight(t.key) for t in span)

    candidates: list[tuple[float, int, list[_Term]]] = []
    order = 0
    for run in _runs(asked):
        for size in (3, 2, 1):
            for start in range(len(run) - size + 1):
                span = run[start:start + size]
                keys = [t.key for t in span]
                if len(set(keys)) < len(keys):
                    continue
                score = span_score(span)
                candidates.append((score, order, span))
                order += 1
    candidates.sort(key=lambda c: (-c[0], c[1]))
    chosen: list[list[_Term]] = []
    used: set[str] = set()
    for score, _, span in candidates:
        if len(chosen) == 2 or sum(len(s) for s in chosen) + len(span) > MAX_TOPIC_WORDS:
            break
        if chosen and (score < 0.5 * candidates[0][0] or all(weak(t.key) for t in span)):
            break
        if used & {t.key for t in span}:
            continue
        chosen.append(span)
        used |= {t.key for t in span}

    def show(term: _Term) -> str:
        if term.tech or _HANGUL.match(term.form):
            return forms[term.key].most_common(1)[0][0]
        capitalised = [f for f in forms[term.key] if f[:1].isupper()]
        lower = [f for f in forms[term.key] if not f[:1].isupper()]
        return capitalised[0] if capitalised and not lower else term.form.lower()

    return [" ".join(show(t) for t in span) for span in chosen]


# --- the line ---------------------------------------------------------------------------------

def _join_en(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _compose(korean: bool, products: list[str], topics: list[str]) -> str:
    if korean:
        product_part = ", ".join(products)
        topic_part = ", ".join(topics)
        if products and topics:
            return f"이 대화는 {product_part}의 {topic_part}에 관한 상담입니다."
        if products:
            return f"이 대화는 {product_part}에 관한 상담입니다."
        if topics:
            return f"이 대화는 {topic_part}에 관한 상담입니다."
        return NEUTRAL_KO
    product_part = _join_en(products)
    topic_part = _join_en(topics)
    if products and topics:
        return f"This conversation is about {topic_part} on the {product_part}."
    if products:
        return f"This conversation is about the {product_part}."
    if topics:
        return f"This conversation is about {topic_part}."
    return NEUTRAL_EN


def _summarise_parts(customer_text: str, other_text: str) -> str:
    text = f"{customer_text}\n{other_text}"
    korean = is_korean(text)
    found = _distinct_products(text)
    products = [p.display for p in found[:MAX_PRODUCTS]]
    topics = topic_phrases(customer_text or other_text, other_text if customer_text else "",
                           found)
    line = one_line(_compose(korean, products, topics))
    while len(line) > MAX_SUMMARY_CHARS and (topics or products):
        # drop detail from the end rather than cutting a word in half
        if len(topics) > 1 or (topics and not products):
            topics = topics[:-1]
        elif len(products) > 1:
            products = products[:-1]
        else:
            topics = []
        line = one_line(_compose(korean, products, topics))
    return one_line(line)


def summarise_text(text: str, *, question_text: str | None = None) -> str:
    """The one-line summary for a transcript; `question_text` (the customer's words) gives
    the topic, the rest of `text` only weights it."""
    if question_text:
        return _summarise_parts(question_text, text)
    return _summarise_parts(text, "")


def summarise(conversation: Conversation) -> str:
    """Summary of a conversation; topic words come mostly from what the customer asked."""
    asked = "\n".join(t.text for t in conversation.turns if t.role == "customer")
    other = "\n".join(t.text for t in conversation.turns if t.role != "customer")
    if not asked:
        return _summarise_parts(other, "")
    return _summarise_parts(asked, other)


def one_line(text: str, limit: int = MAX_SUMMARY_CHARS) -> str:
    """Collapse all whitespace (newlines included) and cut to `limit` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"

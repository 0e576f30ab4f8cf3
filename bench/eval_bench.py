"""Offline scoring throughput, and what the scoring pipeline adds to raw embedding.

Generates N reference/answer pairs (two thirds English, one third Korean; answers are
close paraphrases, loose rewordings or unrelated text), loads the bundled sentence
encoder, then:

- scores all N items with every metric (cosine, chrF, BLEU, ROUGE-L; METEOR if WordNet
  is on disk) through ``score_items`` and reports items/s;
- times the cosine stage of the pipeline (``cosine_scores``) against a bare
  ``embedder.embed`` of the very same texts. ``ratio`` = pipeline texts/s over raw
  texts/s; near 1.0 means the pipeline adds little around the model. The same call on
  ready-made vectors gives the pipeline's own cost directly (``pipeline_overhead_ms``),
  which a busy machine disturbs far less than the ratio.

    python bench/eval_bench.py [--quick] [--n N] [--repeat R]

Each timing runs R times (raw and pipeline alternating) and the fastest counts, so a busy
machine does not decide it.
Peak RSS is the whole process's (model included).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewer.evaluation import EvalItem, LexicalScorer, UseEmbedder, score_items  # noqa: E402
from reviewer.evaluation.similarity import cosine_scores  # noqa: E402

PRODUCTS = ["HN5500 Ethernet controller", "TB-32 MCU board", "Vela RX60 GPU", "NX-2 Wi-Fi module"]
PRODUCTS_KO = ["HN5500 이더넷 컨트롤러", "TB-32 MCU 보드", "Vela RX60 그래픽카드",
               "NX-2 와이파이 모듈"]
EN = [
    ("Why does the {p} drop the link?",
     "Check the magnetics and the reset line of the {p} first, then update to firmware 1.4.{n}.",
     "First look at the reset line and the magnetics on the {p}; after that install firmware "
     "1.4.{n}."),
    ("Which firmware fixes the SPI timeout on the {p}?",
     "Version 2.{n} fixes the timeout on the {p}. Flash it with the Kite tool and power-cycle.",
     "The {p} timeout is fixed in 2.{n}: flash that version with Kite, then turn it off and on."),
    ("Can the {p} run from 3.3 V?",
     "Yes, the {p} runs from 3.3 V if the ripple stays under 50 mV; add a 10 uF capacitor.",
     "It works at 3.3 V as long as ripple is below 50 mV, with a 10 uF cap near the {p}."),
]
KO = [
    ("{p}가 한 시간 뒤에 링크가 끊깁니다.",
     "{p}의 리셋 라인과 트랜스 배선을 먼저 확인하시고 펌웨어 1.4.{n}로 업데이트해 주세요.",
     "먼저 {p} 리셋 라인과 트랜스 배선을 점검한 다음 1.4.{n} 펌웨어를 설치해 주세요."),
    ("{p} 드라이버 업데이트 후 인식이 안 됩니다.",
     "드라이버를 제거하고 재부팅한 뒤 {p}용 5.{n} 버전을 설치해 주세요.",
     "{p} 드라이버를 지우고 다시 시작한 다음 5.{n} 버전을 새로 설치하시면 됩니다."),
]
UNRELATED = ["Invoices are emailed on the first working day of each month (ref {n}).",
             "주문 {n}번의 배송은 영업일 기준 3일 정도 걸립니다."]


def make_items(n: int, rng: random.Random) -> list[EvalItem]:
    items = []
    for i in range(n):
        korean = i % 3 == 0
        product = rng.choice(PRODUCTS_KO if korean else PRODUCTS)
        question, reference, paraphrase = rng.choice(KO if korean else EN)
        kind = rng.random()
        if kind < 0.6:
            answer = paraphrase
        elif kind < 0.85:
            answer = " ".join(reference.split()[: max(3, len(reference.split()) // 2)])
        else:
            answer = rng.choice(UNRELATED)
        fill = {"p": product, "n": i}
        items.append(EvalItem(f"item-{i}", question.format(**fill), reference.format(**fill),
                              answer.format(**fill)))
    return items


class Precomputed:
    """An embedder that looks up vectors computed beforehand (costs no model time)."""

    def __init__(self, embedder: UseEmbedder, texts: list[str]) -> None:
        self.name, self.version, self.dim = embedder.name, embedder.version, embedder.dim
        self._rows = dict(zip(texts, embedder.embed(texts), strict=True))

    def embed(self, texts):
        return np.stack([self._rows[text] for text in texts])


def best_of(repeat: int, run) -> float:
    best = float("inf")
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 items, best of two timings")
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    n = args.n or (200 if args.quick else 2_000)
    repeat = args.repeat or (2 if args.quick else 3)
    items = make_items(n, random.Random(11))

    embedder = UseEmbedder()
    started = time.perf_counter()
    embedder.embed(["load"])
    load_seconds = time.perf_counter() - started
    lexical = LexicalScorer()

    run_box = []
    score_seconds = best_of(repeat, lambda: run_box.append(score_items(items, embedder,
                                                                        lexical=lexical)))
    run = run_box[-1]

    references = [item.reference for item in items]
    answers = [item.answer for item in items]
    distinct = list(dict.fromkeys(t for t in references + answers if t.strip()))
    # Alternate the two so a burst of load on the machine hits both alike.
    raw_seconds = pipeline_seconds = float("inf")
    for _ in range(repeat):
        raw_seconds = min(raw_seconds, best_of(1, lambda: embedder.embed(distinct)))
        pipeline_seconds = min(pipeline_seconds, best_of(
            1, lambda: cosine_scores(embedder, references, answers)))
    # The pipeline's own work, without the model: the same call on ready-made vectors.
    ready = Precomputed(embedder, distinct)
    overhead_seconds = best_of(max(repeat, 5), lambda: cosine_scores(ready, references, answers))
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    means = run.summary.means
    print(f"items: {n}")
    print(f"languages: {run.summary.languages}")
    print(f"metrics: {', '.join(sorted(means))}")
    print(f"model_load_seconds: {load_seconds:.2f}")
    print(f"score_seconds: {score_seconds:.2f}")
    print(f"items_per_s: {n / score_seconds:.1f}")
    print(f"texts_embedded: {len(distinct)}")
    print(f"raw_embed_texts_per_s: {len(distinct) / raw_seconds:.1f}")
    print(f"pipeline_embed_texts_per_s: {len(distinct) / pipeline_seconds:.1f}")
    print(f"ratio: {raw_seconds / pipeline_seconds:.2f}")
    print(f"pipeline_overhead_ms: {overhead_seconds * 1000:.1f}")
    print(f"overhead_share_of_raw_embed: {overhead_seconds / raw_seconds:.4f}")
    print(f"mean_cosine: {means['cosine'].mean:.3f}")
    print(f"peak_rss_mb: {peak_rss_mb:.0f}")


if __name__ == "__main__":
    main()

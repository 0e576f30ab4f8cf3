"""The whole loop after review, on the bundled samples against loopback fakes, with its numbers.

import the samples → rules split → approve every pair (the stand-in for review) → export with
a held-out share → fine-tune on the fake provider and follow the job → evaluate base vs tuned
in one eval job → the side-by-side numbers → weak clusters of the tuned run → one cluster
back to review → the flagged pair shows the model's answer.

The fake server answers like two models from a scripted table built from the held-out file:
the tuned model gives the approved answer (with a short lead-in) except on every fifth
question, the base model gives a generic reply except on every fourth. So tuning helps on
most items, and a few items flip the other way.

    python bench/eval_loop_demo.py            # scores with the bundled sentence encoder
    python bench/eval_loop_demo.py --quick    # hashed n-grams instead (a few seconds)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402
from fakes.fine_tuning import FakeFineTuning  # noqa: E402
from fakes.openai_server import FakeOpenAIServer  # noqa: E402
from fakes.scripted_models import ScriptedModels  # noqa: E402

from reviewer.cli import cli  # noqa: E402
from reviewer.commands.demo import build_demo  # noqa: E402
from reviewer.db import connect  # noqa: E402
from reviewer.evaluation.sendback import model_answer_for  # noqa: E402
from reviewer.review import PairFilter, store  # noqa: E402

BASE_MODEL = "gpt-4o-mini-2024-07-18"
GENERIC = {"en": ["Please check the manual or contact our support team.",
                  "Thank you for reaching out; we will get back to you soon.",
                  "Try restarting the device and see whether that helps."],
           "ko": ["설명서를 확인하시거나 고객센터로 문의해 주세요.",
                  "문의해 주셔서 감사합니다. 곧 답변 드리겠습니다.",
                  "기기를 다시 시작한 뒤 확인해 주세요."]}
LEAD_IN = {"en": "Here is what to do. ", "ko": "안내해 드리겠습니다. "}


def language(text: str) -> str:
    return "ko" if any("\uac00" <= c <= "\ud7a3" for c in text) else "en"


def scripted_models(valid: Path, tuned_model: str) -> ScriptedModels:
    """The tuned and base answers to each held-out question, for the fake server."""
    lines = [json.loads(x) for x in valid.read_text("utf-8").splitlines() if x.strip()]
    questions = [next(m["content"] for m in reversed(line["messages"]) if m["role"] == "user")
                 for line in lines]
    references = [line["messages"][-1]["content"] for line in lines]
    tuned: dict[str, str] = {}
    base: dict[str, str] = {}
    for n, (question, reference) in enumerate(zip(questions, references, strict=True)):
        lang = language(question)
        generic = GENERIC[lang][n % len(GENERIC[lang])]
        tuned[question] = generic if n % 5 == 0 else LEAD_IN[lang] + reference
        base[question] = reference if n % 4 == 0 else generic
    return ScriptedModels().answer(tuned_model, tuned).answer(BASE_MODEL, base)


def run(*args: str) -> dict:
    result = CliRunner().invoke(cli, [*args, "--json"])
    if result.exit_code not in (0, 1):
        raise SystemExit(f"{' '.join(args[:4])} failed: {result.output}")
    return json.loads(result.stdout)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="Score with hashed n-grams instead of the sentence encoder.")
    parser.add_argument("--holdout", type=float, default=0.3)
    args = parser.parse_args(argv)
    embedder = "hash" if args.quick else "use"
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAIServer() as server:
        work = Path(tmp)
        db_path = work / "loop.db"
        os.environ["REVIEWER_DB"] = str(db_path)
        providers = work / "providers.toml"
        providers.write_text(f'[providers.fake]\nbase_url = "{server.base_url}"\n', "utf-8")
        os.environ["REVIEWER_PROVIDERS"] = str(providers)
        FakeFineTuning(server)

        build_demo(db_path)
        db = connect(db_path)
        try:
            pending = store.count(db, PairFilter.of("pending", ""))
            approved = store.bulk_set_status(db, PairFilter.of("pending", ""), "approved",
                                             who="demo")
        finally:
            db.close()
        exported = run("export", str(work / "out" / "set.jsonl"), "--holdout",
                       str(args.holdout))
        manifest = work / "out" / "set.manifest.json"
        valid = work / "out" / "set.valid.jsonl"

        job = run("train", "start", str(manifest), "--provider", "fake", "--model", BASE_MODEL,
                  "--suffix", "support")
        followed = run("train", "follow", str(job["id"]), "--every", "0.01")
        tuned_model = followed["result"]["fine_tuned_model"]

        scripted_models(valid, tuned_model).install(server)
        evaluated = run("eval", "run", "--split", "valid", "--model", tuned_model,
                        "--base-model", BASE_MODEL, "--provider", "fake",
                        "--embedder", embedder)
        tuned_id, base_id = evaluated["run_id"], evaluated["base_run_id"]
        compared = run("eval", "compare", str(base_id), str(tuned_id))
        shown = run("eval", "show", str(tuned_id))
        sent = run("eval", "send-back", str(tuned_id), "--cluster", "1")
        jobs = run("jobs", "--kind", "eval")

        db = connect(db_path)
        try:
            calls = db.execute("SELECT count(*) FROM llm_calls WHERE purpose = 'eval'"
                               ).fetchone()[0]
            flagged_total = store.count(db, PairFilter().narrowed(flag="weak_in_eval"))
            first = store.get_pair(db, sent["flagged_pairs"][0]) if sent["flagged_pairs"] \
                else None
            shown_answer = model_answer_for(db, first["flags"]) if first else None
        finally:
            db.close()

    means = compared["means"]
    print(f"embedder: {embedder}")
    print(f"pairs_split: {pending}")
    print(f"pairs_approved: {approved}")
    counts = exported["counts"]
    print(f"export_examples: {counts.get('train_examples')} train, "
          f"{counts.get('valid_examples')} held out")
    print(f"fine_tune_job: {job['id']} {followed['status']} -> {tuned_model}")
    print(f"eval_job: {evaluated['job_id']} ({jobs[0]['status']}, {jobs[0]['progress']} steps)")
    print(f"items: {compared['items']}")
    print(f"model_calls_logged: {calls}")
    for metric in ("cosine", "chrf", "bleu", "rouge_l"):
        m = means.get(metric)
        if not m:
            continue
        b, t, d = m["base"], m["tuned"], m["difference"]
        print(f"{metric}_base: {b['mean']:.3f} [{b['low']:.3f}, {b['high']:.3f}]")
        print(f"{metric}_tuned: {t['mean']:.3f} [{t['low']:.3f}, {t['high']:.3f}]")
        print(f"{metric}_difference: {d['mean']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]")
    print(f"ci_method: {compared['ci_method']['difference']}")
    print(f"flips_weak_to_good: {len(compared['improved'])}")
    print(f"flips_good_to_weak: {len(compared['regressed'])}")
    print(f"stayed_good: {compared['stayed_good']}")
    print(f"stayed_weak: {compared['stayed_weak']}")
    print(f"histogram_base: {[h['base'] for h in compared['histogram']]}")
    print(f"histogram_tuned: {[h['tuned'] for h in compared['histogram']]}")
    print(f"tuned_weak_items: {len(shown['weak'])} ({shown['weak_rule']})")
    print(f"tuned_weak_clusters: {len(shown['clusters'])}")
    for c in shown["clusters"][:5]:
        question = " ".join(c["representative_question"].split())[:70]
        print(f"  cluster {c['number']}: {c['size']} item(s), mean {c['mean_score']:.2f}: "
              f"{question}")
    print(f"cluster_1_pairs_flagged: {len(sent['flagged_pairs'])}")
    print(f"pairs_flagged_weak_in_eval: {flagged_total}")
    if shown_answer is not None:
        print(f"review_shows: Model answer (eval run {shown_answer.run_id}, "
              f"score {shown_answer.cosine:.2f}): {shown_answer.answer[:60]}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The benchmarks still run (tiny sizes; marker ``bench``, not part of the default run).

Their ratios are not asserted: a shared machine's timings are noise at this size; the real
numbers come from running them at full size."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from reviewer.paths import PROJECT_DIR

BENCHES = {
    "eval_bench.py": ["ratio", "items_per_s"],
    "eval_loop_demo.py": ["items", "flips_weak_to_good", "pairs_flagged_weak_in_eval"],
    "flags_bench.py": ["unsupported_answer_precision", "unsupported_answer_recall"],
    "import_bench.py": ["ratio", "mapped_ratio", "mapped_files_per_s", "mapped_peak_rss_mb"],
    "split_bench.py": ["ratio", "cache_hit_ratio", "batch_shards", "batch_lost",
                       "batch_seconds"],
    "review_page_bench.py": ["ratio", "ratio_search", "ratio_last_page"],
    "review_action_bench.py": ["ratio", "ratio_store", "action_s_200", "action_s_5000"],
    "validate_bench.py": ["floor", "peak_rss_mb"],
}


@pytest.mark.bench
@pytest.mark.parametrize("script", sorted(BENCHES))
def test_bench_runs_quick_and_prints_its_metrics(script, tmp_path):
    args = [sys.executable, str(PROJECT_DIR / "bench" / script), "--quick"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    for metric in BENCHES[script]:
        assert re.search(rf"^{metric}: [0-9.]+$", done.stdout, flags=re.M), done.stdout

import hashlib
import json

import pytest

from reviewer.exporting.build import build_examples
from reviewer.exporting.holdout import hold_out
from reviewer.exporting.service import (
    ExportOptionError,
    ExportOptions,
    build_export_bytes,
    export_dataset,
)
from reviewer.review.store import iter_approved
from reviewer.runs import recent_runs
from reviewer.validation import PROFILES


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def db_pair(db, pair_id):
    return next(db.query("SELECT * FROM pairs WHERE id = ?", [pair_id]))


def test_exports_only_approved_pairs_one_line_each(db, seed, pairs_adder, tmp_path):
    made = seed(db, 11)
    pairs_adder(db, "conv-000", [("pending q?", "pending a.", "pending"),
                                 ("rejected q?", "rejected a.", "rejected"),
                                 ("deleted q?", "deleted a.", "deleted")], start=5)
    out = tmp_path / "out" / "set.jsonl"
    result = export_dataset(db, out)
    assert result.ok, [f.to_dict() for f in result.report.errors]
    assert result.files == [out]
    lines = read_jsonl(out)
    manifest = json.loads(result.manifest.read_text("utf-8"))
    line_ids = manifest["files"][0]["line_pair_ids"]
    assert sorted(pid for ids in line_ids for pid in ids) == sorted(
        pid for ids in made.values() for pid in ids)
    assert len(lines) == 11
    for line, [pair_id] in zip(lines, line_ids, strict=True):
        row = db_pair(db, pair_id)
        assert row["status"] == "approved"
        assert line == {"messages": [
            {"role": "system", "content": row["system"]},
            {"role": "user", "content": row["question"]},
            {"role": "assistant", "content": row["answer"]},
        ]}
    text = out.read_text("utf-8")
    assert "pending" not in text and "rejected" not in text and "deleted" not in text


def test_manifest_contents_and_hashes(db, seed, tmp_path):
    seed(db, 12)
    out = tmp_path / "set.jsonl"
    result = export_dataset(db, out, ExportOptions(seed=3, epochs=2), who="민지")
    assert result.manifest == tmp_path / "set.manifest.json"
    manifest = json.loads(result.manifest.read_text("utf-8"))
    assert manifest["profile"] == "openai"
    assert manifest["created_by"] == "민지"
    assert manifest["reviewer_version"]
    assert manifest["created_at"]
    assert manifest["settings"]["epochs"] == 2
    assert manifest["settings"]["seed"] == 3
    assert manifest["counts"]["examples"] == 12
    assert manifest["counts"]["approved_pairs"] == 12
    assert manifest["validation"]["summary"]["examples"] == 12
    assert manifest["validation"]["summary"]["errors"] == 0
    assert "total_tokens" in manifest["tokens"]
    assert manifest["tokens"]["epochs"] == 2
    [entry] = manifest["files"]
    assert entry["path"] == "set.jsonl"
    assert entry["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert entry["bytes"] == out.stat().st_size and entry["lines"] == 12
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "reviewer.db", "reviewer.db-shm", "reviewer.db-wal", "set.jsonl", "set.manifest.json"]


def test_records_an_export_run(db, seed, tmp_path):
    seed(db, 10)
    result = export_dataset(db, tmp_path / "a.jsonl", who="tester")
    [run] = recent_runs(db, 1)
    assert run["id"] == result.run_id
    assert run["kind"] == "export" and run["status"] == "done"
    assert run["counts"]["examples"] == 10
    assert run["counts"]["files"] == [str(tmp_path / "a.jsonl")]
    assert run["settings"]["target"] == "openai"
    assert not list(db.query("SELECT * FROM events WHERE action != 'create'"))


def test_multi_turn_one_example_per_conversation(db, seed, tmp_path):
    made = seed(db, 10, pairs_per_conversation=3)
    result = export_dataset(db, tmp_path / "mt.jsonl", ExportOptions(multi_turn=True))
    assert result.ok, [f.to_dict() for f in result.report.errors]
    lines = read_jsonl(tmp_path / "mt.jsonl")
    manifest = json.loads(result.manifest.read_text("utf-8"))
    assert manifest["files"][0]["line_pair_ids"] == [made[c] for c in sorted(made)]
    assert len(lines) == 10
    for line in lines:
        roles = [m["role"] for m in line["messages"]]
        assert roles == ["system"] + ["user", "assistant"] * 3
    assert result.counts["approved_pairs"] == 30 and result.counts["examples"] == 10


def test_fewer_than_ten_is_refused_and_nothing_written(db, seed, tmp_path):
    seed(db, 9)
    out = tmp_path / "x" / "few.jsonl"
    result = export_dataset(db, out)
    assert not result.ok
    assert result.files == [] and result.manifest is None
    assert any(f.severity == "error" and f.line == 0 for f in result.report.errors)
    assert not out.parent.exists()
    [run] = recent_runs(db, 1)
    assert run["status"] == "refused" and "error" in run["message"]


def test_error_in_one_pair_refuses_and_names_the_pair(db, seed, pairs_adder, tmp_path):
    seed(db, 12)
    [bad] = pairs_adder(db, "conv-bad", [("A question?", "An answer.")], system="")
    [special] = pairs_adder(db, "conv-tok", [("Why <|endoftext|> here?", "Because.")])
    result = export_dataset(db, tmp_path / "e.jsonl")
    assert not result.ok
    named = {f.pair_id for f in result.report.errors}
    assert {bad, special} <= named
    assert list(tmp_path.glob("e*")) == []


def test_korean_round_trips_as_utf8(db, pairs_adder, seed, tmp_path):
    seed(db, 10)
    text = "전원을 껐다 켜도 LED가 깜빡이지 않습니다. 어떻게 해야 하나요?"
    [pid] = pairs_adder(db, "conv-ko", [(text, "리셋 버튼을 5초간 누르세요.")],
                        system="W5500 보드 전원 문제 문의")
    out = tmp_path / "ko.jsonl"
    assert export_dataset(db, out).ok
    raw = out.read_bytes()
    assert text.encode("utf-8") in raw and b"\\u" not in raw
    manifest = json.loads((tmp_path / "ko.manifest.json").read_text("utf-8"))
    index = [ids for ids in manifest["files"][0]["line_pair_ids"]].index([pid])
    line = read_jsonl(out)[index]
    assert line["messages"][0]["content"] == "W5500 보드 전원 문제 문의"
    assert line["messages"][1]["content"] == text


@pytest.mark.parametrize("target", sorted(PROFILES))
def test_each_profile_renders_every_line(db, seed, tmp_path, target):
    seed(db, 12)
    out = tmp_path / f"{target}.jsonl"
    result = export_dataset(db, out, ExportOptions(target=target))
    assert result.ok, [f.to_dict() for f in result.report.errors]
    lines = read_jsonl(out)
    examples = list(build_examples(iter_approved(db)))
    assert lines == [PROFILES[target].render(e.messages) for e in examples]
    for line in lines:
        if target == "prompt-completion":
            assert isinstance(line.get("prompt"), str) and isinstance(line.get("completion"), str)
        else:
            roles = [m["role"] for m in line["messages"]]
            assert roles[-2:] == ["user", "assistant"]
    manifest = json.loads((tmp_path / f"{target}.manifest.json").read_text("utf-8"))
    assert manifest["profile"] == target


@pytest.mark.parametrize(("values", "message"), [
    ({"target": "nope"}, "unknown target"),
    ({"holdout": 1.5}, "between 0 and 1"),
    ({"holdout": 0}, "1 or more"),
    ({"holdout": True}, "fraction or a count"),
    ({"epochs": 0}, "epochs must be between 1 and 50"),
    ({"epochs": 51}, "epochs must be between 1 and 50"),
])
def test_options_that_can_never_work_are_refused_when_built(values, message):
    with pytest.raises(ExportOptionError, match=message):
        ExportOptions(**values)


def test_options_are_normalised_and_recorded_under_old_and_new_keys(tmp_path):
    options = ExportOptions(model="", few_shot=str(tmp_path / "f.jsonl"), holdout=3)
    assert options.model is None and options.few_shot == tmp_path / "f.jsonl"
    assert options.to_dict() == {
        "target": "openai", "model": None, "holdout": 3, "validation_split": 3, "seed": 42,
        "multi_turn": False, "few_shot": str(tmp_path / "f.jsonl"), "epochs": None,
        "per_conversation_system": None, "include_held_out": False, "few_shot_set": False}
    assert ExportOptions() == ExportOptions(target="openai", seed=42)


def test_unusable_few_shot_file_or_directory_output_raise(db, seed, tmp_path):
    seed(db, 10)
    with pytest.raises(ExportOptionError, match="few-shot"):
        export_dataset(db, tmp_path / "a.jsonl",
                       ExportOptions(few_shot=tmp_path / "missing.jsonl"))
    with pytest.raises(ExportOptionError, match="directory"):
        export_dataset(db, tmp_path)
    assert list(tmp_path.glob("a*")) == []


def test_io_failure_leaves_nothing_and_marks_the_run_failed(db, seed, tmp_path):
    seed(db, 10)
    (tmp_path / "s.manifest.json").mkdir()  # the manifest cannot be placed
    with pytest.raises(OSError):
        export_dataset(db, tmp_path / "s.jsonl")
    assert not (tmp_path / "s.jsonl").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    [run] = recent_runs(db, 1)
    assert run["status"] == "failed"


def test_download_bytes_match_the_file_export(db, seed, tmp_path):
    seed(db, 11)
    data, report = build_export_bytes(db, ExportOptions(target="openai"))
    assert report.ok
    result = export_dataset(db, tmp_path / "f.jsonl")
    assert data == result.files[0].read_bytes()
    with pytest.raises(ExportOptionError):
        build_export_bytes(db, ExportOptions(holdout=0.2))


def test_download_bytes_empty_on_errors(db, seed):
    seed(db, 3)
    data, report = build_export_bytes(db)
    assert data == b"" and not report.ok


def _examples(db):
    return list(build_examples(iter_approved(db)))


def test_holdout_export_grouped_and_deterministic(db, seed, tmp_path):
    made = seed(db, 24, pairs_per_conversation=2)
    first = export_dataset(db, tmp_path / "a" / "set.jsonl",
                           ExportOptions(holdout=0.25, seed=5))
    assert first.ok, [f.to_dict() for f in first.report.errors]
    train, valid = tmp_path / "a" / "set.train.jsonl", tmp_path / "a" / "set.valid.jsonl"
    assert first.files == [train, valid]
    assert not (tmp_path / "a" / "set.jsonl").exists()
    manifest = json.loads(first.manifest.read_text("utf-8"))
    # the setting is "holdout"; the key older manifests used is still written beside it
    assert manifest["settings"]["holdout"] == manifest["settings"]["validation_split"] == 0.25
    by_role = {f["role"]: f for f in manifest["files"]}
    owner = {pid: c for c, ids in made.items() for pid in ids}
    train_convs = {owner[p] for p in by_role["train"]["pair_ids"]}
    valid_convs = {owner[p] for p in by_role["valid"]["pair_ids"]}
    assert train_convs and valid_convs and not train_convs & valid_convs
    assert len(by_role["valid"]["pair_ids"]) == 12
    for path, entry in ((train, by_role["train"]), (valid, by_role["valid"])):
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["lines"] == len(read_jsonl(path))
    assert first.counts["train_examples"] == 36 and first.counts["valid_examples"] == 12
    assert first.report.summary["examples"] == 36
    assert first.report.summary["validation_file"]["examples"] == 12
    assert by_role["train"]["summary"]["examples"] == 36
    assert by_role["valid"]["summary"]["examples"] == 12
    # "fewer than 50 examples" is about the training file, not the held-out one.
    assert not [f for f in first.report.findings
                if f.rule == "few_examples" and f.file == "set.valid.jsonl"]
    # every finding of an export with a holdout names its file in a field, not in the message
    assert {f.file for f in first.report.findings if f.line} <= {"set.train.jsonl",
                                                                 "set.valid.jsonl"}

    again = export_dataset(db, tmp_path / "b" / "set.jsonl",
                           ExportOptions(holdout=0.25, seed=5))
    assert (tmp_path / "b" / "set.valid.jsonl").read_bytes() == valid.read_bytes()
    assert (tmp_path / "b" / "set.train.jsonl").read_bytes() == train.read_bytes()
    assert again.ok
    # The held-out conversations are frozen: another seed keeps the same ones held out.
    others = set()
    for s in range(3):
        export_dataset(db, tmp_path / f"s{s}" / "set.jsonl", ExportOptions(holdout=12, seed=s))
        others.add((tmp_path / f"s{s}" / "set.valid.jsonl").read_bytes())
    assert others == {valid.read_bytes()}


def test_holdout_needs_two_conversations(db, pairs_adder, tmp_path):
    pairs_adder(db, "only", [(f"question number {i}?", f"answer number {i}.") for i in range(12)])
    result = export_dataset(db, tmp_path / "o.jsonl", ExportOptions(holdout=0.2))
    assert not result.ok
    assert any("2 conversations" in f.message for f in result.report.errors)
    assert list(tmp_path.glob("o*")) == []


def test_leak_between_train_and_validation_is_refused(db, seed, pairs_adder, tmp_path):
    seed(db, 14)
    question = "My W5500 board drops the TCP connection every ten minutes, what should I check?"
    answer = "Enable keep-alive on the socket and check the PHY link status register."
    [left] = pairs_adder(db, "dup-a", [(question, answer)], system="Support chat about TCP.")
    [right] = pairs_adder(db, "dup-b", [(question.replace("ten", "10"), answer)],
                          system="Support chat about TCP.")
    examples = _examples(db)
    chosen = None
    for s in range(200):
        train, valid = hold_out(examples, 5, seed=s)
        train_ids = {e.pair_ids[0] for e in train}
        if (left in train_ids) != (right in train_ids):
            chosen = s
            break
    assert chosen is not None
    result = export_dataset(db, tmp_path / "leak.jsonl", ExportOptions(holdout=5, seed=chosen))
    assert not result.ok
    overlaps = [f for f in result.report.errors if "overlap" in f.rule or "dup" in f.rule]
    assert overlaps, [f.to_dict() for f in result.report.findings]
    text = " ".join(f"{f.pair_id} {f.message}" for f in overlaps)
    assert str(left) in text and str(right) in text
    [leak] = overlaps
    assert {leak.pair_id, leak.other_pair_id} == {left, right}
    assert leak.file == "leak.valid.jsonl" and leak.other_line >= 1
    assert leak.to_dict()["other_pair_id"] == leak.other_pair_id
    assert list(tmp_path.glob("leak*")) == []


def write_few_shot(path):
    rows = [
        {"messages": [{"role": "system", "content": "One-line summary of a W5500 chat."},
                      {"role": "user", "content": "How do I reset it?"},
                      {"role": "assistant", "content": "Hold the button for ten seconds."}]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    return path


def test_few_shot_template_conformance(db, seed, pairs_adder, tmp_path):
    seed(db, 12)
    few_shot = write_few_shot(tmp_path / "few.jsonl")
    assert export_dataset(db, tmp_path / "ok.jsonl", ExportOptions(few_shot=few_shot)).ok
    [marker] = pairs_adder(db, "conv-m", [("Q) Is there a Linux driver?", "A) Yes, in the SDK.")])
    [multi] = pairs_adder(db, "conv-s", [("Which pin?", "Pin 56.")], system="line one\nline two")
    result = export_dataset(db, tmp_path / "bad.jsonl", ExportOptions(few_shot=few_shot))
    assert not result.ok
    rules = {(f.rule, f.pair_id) for f in result.report.errors}
    assert ("template_marker", marker) in rules
    assert ("template_multiline_system", multi) in rules
    assert not (tmp_path / "bad.jsonl").exists()
    # Without a few-shot file the template rules do not apply.
    assert export_dataset(db, tmp_path / "free.jsonl").ok


def test_invalid_few_shot_file_is_an_option_error(db, seed, tmp_path):
    seed(db, 10)
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", "utf-8")
    with pytest.raises(ExportOptionError, match="broken.jsonl"):
        export_dataset(db, tmp_path / "x.jsonl", ExportOptions(few_shot=broken))


def test_export_reads_the_template_leniently(db, seed, tmp_path):
    seed(db, 12)
    # a template without a system line: the splitter would refuse it, an export checks it
    few = tmp_path / "no_system.jsonl"
    few.write_text(json.dumps({"messages": [{"role": "user", "content": "Q"},
                                            {"role": "assistant", "content": "A"}]}) + "\n",
                   "utf-8")
    result = export_dataset(db, tmp_path / "t.jsonl", ExportOptions(few_shot=few))
    assert not result.ok
    assert {f.rule for f in result.report.errors} == {"template_role_order"}


def test_differing_system_lines_warn_only_for_imported_datasets(db, tmp_path):
    from reviewer.exporting.service import prepare_export
    from reviewer.review import store

    db.execute("INSERT INTO conversations (id, text, turns, imported_at) VALUES"
               " ('c', 't', '[]', 'now')")
    def add(origin: str) -> None:
        store.add_pairs(db, [store.NewPair("c", f"Summary about topic {i}.", f"Question {i}?",
                                           f"Answer number {i}.", status="approved",
                                           origin=origin) for i in range(12)], who="seed")

    add("rules")  # a split dataset: one summary line per conversation, by design
    rules = {f.rule for f in prepare_export(db).report.findings}
    assert "inconsistent_system" not in rules
    forced = prepare_export(db, ExportOptions(per_conversation_system=False))
    assert "inconsistent_system" in {f.rule for f in forced.report.findings}
    db.execute("UPDATE pairs SET origin = 'import'")  # a dataset imported as ready pairs
    assert "inconsistent_system" in {f.rule for f in prepare_export(db).report.findings}


def test_the_held_out_split_is_frozen_and_never_trained_on(db, tmp_path):
    from reviewer.review import store

    for n in range(14):
        db.execute("INSERT INTO conversations (id, text, turns, imported_at) VALUES"
                   " (?, 't', '[]', 'now')", [f"c{n:02d}"])
        store.add_pairs(db, [store.NewPair(f"c{n:02d}", "Support.", f"Distinct question {n}"
                                           f" about topic {n * 7}?", f"Answer {n}: step {n}.",
                                           status="approved", origin="rules")], who="seed")
    first = export_dataset(db, tmp_path / "a.jsonl", ExportOptions(holdout=3, seed=1))
    assert first.ok
    held = {json.loads(line)["messages"][1]["content"]
            for line in (tmp_path / "a.valid.jsonl").read_text("utf-8").splitlines()}
    # Another seed: the same conversations stay held out.
    second = export_dataset(db, tmp_path / "b.jsonl", ExportOptions(holdout=3, seed=99))
    assert second.ok
    again = {json.loads(line)["messages"][1]["content"]
             for line in (tmp_path / "b.valid.jsonl").read_text("utf-8").splitlines()}
    assert again == held
    # Without a holdout, training on them is refused, naming each line.
    refused = export_dataset(db, tmp_path / "c.jsonl")
    assert not refused.ok
    leaks = [f for f in refused.report.errors if f.rule == "held_out_in_training"]
    assert len(leaks) == 3 and all(f.pair_id for f in leaks)
    assert export_dataset(db, tmp_path / "d.jsonl", ExportOptions(include_held_out=True)).ok


def _set_with_one_example(db, tmp_path):
    from reviewer.fewshot import few_shot_line
    from reviewer.models import Turn
    from reviewer.prompts import fewshot_set
    from reviewer.splitting.prompt import ExamplePair, FewShotExample

    example = FewShotExample(
        (Turn("customer", "W5500 소켓은 몇 개인가요?", "고객"),
         Turn("engineer", "소켓은 8개입니다.", "상담원")),
        "W5500 소켓 수에 관한 대화입니다.",
        (ExamplePair("W5500 소켓은 몇 개인가요?", "소켓은 8개입니다.", (1,), (2,)),))
    path = tmp_path / "set.jsonl"
    path.write_text(few_shot_line(example) + "\n", encoding="utf-8")
    fewshot_set.import_file(db, path, who="t")


def test_template_check_uses_the_managed_set_when_it_is_not_empty(db, seed, tmp_path):
    from reviewer.exporting.service import managed_template, prepare_export

    seed(db, 12)
    # A file whose template has no system line: the exported lines (with one) break it.
    few = tmp_path / "no_system.jsonl"
    few.write_text(json.dumps({"messages": [{"role": "user", "content": "Q"},
                                            {"role": "assistant", "content": "A"}]}) + "\n",
                   "utf-8")
    options = ExportOptions(few_shot=few, few_shot_set=True)
    assert managed_template(db) is None
    empty_set = prepare_export(db, options)  # the set is empty: the file decides
    assert {f.rule for f in empty_set.report.errors} == {"template_role_order"}
    _set_with_one_example(db, tmp_path)
    assert managed_template(db) == [[
        {"role": "system", "content": "W5500 소켓 수에 관한 대화입니다."},
        {"role": "user", "content": "W5500 소켓은 몇 개인가요?"},
        {"role": "assistant", "content": "소켓은 8개입니다."}]]
    assert prepare_export(db, options).ok  # the set's template: system, user, assistant
    # An explicit file alone still decides.
    assert not prepare_export(db, ExportOptions(few_shot=few)).ok

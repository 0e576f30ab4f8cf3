import hashlib
import json

import pytest

from reviewer.exporting.writer import (
    StagedFiles,
    atomic_write_bytes,
    atomic_write_json,
    dumps_line,
    jsonl_bytes,
)


class Boom(RuntimeError):
    pass


def exploding_objects(count_before_failure):
    for index in range(count_before_failure):
        yield {"messages": [{"role": "user", "content": f"line {index} " + "x" * 10_000}]}
    raise Boom("serialization failed midway")


def test_failure_midway_leaves_no_file_and_no_temporaries(tmp_path):
    out = tmp_path / "out.jsonl"
    with pytest.raises(Boom), StagedFiles() as staged:
        staged.write_jsonl(out, exploding_objects(50))
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_an_existing_file_untouched(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"old content\n")
    with pytest.raises(Boom), StagedFiles() as staged:
        staged.write_jsonl(out, exploding_objects(3))
    assert out.read_bytes() == b"old content\n"
    assert list(tmp_path.iterdir()) == [out]


def test_second_file_failing_publishes_neither(tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    with pytest.raises(Boom), StagedFiles() as staged:
        staged.write_jsonl(first, [{"a": 1}])
        staged.write_jsonl(second, exploding_objects(2))
        staged.commit()
    assert list(tmp_path.iterdir()) == []


def test_not_committed_means_not_published(tmp_path):
    with StagedFiles() as staged:
        staged.write_bytes(tmp_path / "x.jsonl", b"{}\n")
    assert list(tmp_path.iterdir()) == []


def test_commit_publishes_with_hash_and_counts(tmp_path):
    objects = [{"messages": [{"role": "user", "content": "안녕하세요"}]}, {"n": 2}]
    with StagedFiles() as staged:
        staged.write_jsonl(tmp_path / "d" / "out.jsonl", objects)
        [written] = staged.commit()
    data = (tmp_path / "d" / "out.jsonl").read_bytes()
    assert written.sha256 == hashlib.sha256(data).hexdigest()
    assert written.bytes == len(data) and written.lines == 2
    assert "안녕하세요".encode() in data  # not \\u escaped
    assert [json.loads(line) for line in data.decode("utf-8").splitlines()] == objects
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["out.jsonl"]


def test_single_file_helpers(tmp_path):
    written = atomic_write_bytes(tmp_path / "f.jsonl", jsonl_bytes([{"k": "값"}]))
    assert (tmp_path / "f.jsonl").read_bytes() == dumps_line({"k": "값"})
    assert written.lines == 1
    atomic_write_json(tmp_path / "m.json", {"한": 1})
    assert json.loads((tmp_path / "m.json").read_text("utf-8")) == {"한": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.jsonl", "m.json"]


def test_directory_in_the_way_publishes_nothing(tmp_path):
    (tmp_path / "b.json").mkdir()
    with pytest.raises(IsADirectoryError), StagedFiles() as staged:
        staged.write_bytes(tmp_path / "a.jsonl", b"{}\n")
        staged.write_bytes(tmp_path / "b.json", b"{}\n")
        staged.commit()
    assert [p.name for p in tmp_path.iterdir()] == ["b.json"]
    assert list((tmp_path / "b.json").iterdir()) == []

"""Edit analytics per prompt version on a constructed review history (English and Korean)."""

import pytest

from reviewer.prompts.stats import NO_VERSION, edit_distance, edit_ratio, version_stats
from reviewer.prompts.versions import record_version
from reviewer.review import store


def test_edit_distance_counts_characters_in_both_scripts():
    assert edit_distance("W5500", "W5500") == 0
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("Set the clock to 20 MHz.", "Set the SPI clock to 40 MHz.") == 5
    assert edit_distance("abc", "abcdef") == 3 and edit_distance("", "xy") == 2
    assert edit_distance("소켓은 8개입니다.", "소켓은 여덟 개입니다.") == 3
    assert edit_ratio({"question": "abcd"}, {"question": "abcd"}) == 0.0
    assert edit_ratio({"answer": "abcd"}, {"answer": "abXd"}) == pytest.approx(1 / 6)


@pytest.fixture
def history(db):
    db.execute("INSERT INTO conversations (id, source, locator, fmt, text, turns, imported_at)"
               " VALUES ('c', 'd.txt', 'line 1', 'txt', '', '[]', 'now')")
    v1 = record_version(db, "prompt one", [], label="v1")
    v2 = record_version(db, "prompt two", [])

    def pairs(version, texts, model="gpt-4o-mini"):
        return store.add_pairs(db, [store.NewPair("c", s, q, a, position=i, origin=f"llm:{model}",
                                                  prompt_version_id=version, model=model)
                                    for i, (s, q, a) in enumerate(texts)], who="splitter")

    en = pairs(v1, [("W5500 summary.", "How many sockets?", "Eight."),
                    ("W5500 summary.", "Does it do IPv6?", "No, the W6100 does."),
                    ("W5500 summary.", "Hello!", "Hi, how can I help?"),
                    ("W5500 summary.", "What SPI mode?", "Mode 0 or 3."),
                    ("W5500 summary.", "Max clock?", "80 MHz."),
                    ("W5500 summary.", "Thanks", "You're welcome.")])
    ko = pairs(v2, [("ESP32-S3 요약.", "업로드가 실패합니다.", "BOOT 버튼을 누르세요."),
                    ("ESP32-S3 요약.", "소켓은 몇 개인가요?", "소켓은 8개입니다."),
                    ("ESP32-S3 요약.", "안녕하세요", "네 안녕하세요")], model="qwen2.5")
    rules = store.add_pairs(db, [store.NewPair("c", "s", "q?", "a.", origin="rules")],
                            who="splitter:rules")

    def set_(pid, changes):
        row = store.get_pair(db, pid)
        assert store.update_pair(db, pid, changes, expected_version=row["version"],
                                 who="alice") == "ok"

    # v1: one approved unchanged, two edited then approved, one rejected, one deleted,
    # one pending.
    set_(en[0], {"status": "approved"})
    set_(en[1], {"answer": "No, the W6100 does (W5500 is IPv4 only)."})
    set_(en[1], {"status": "approved"})
    set_(en[3], {"question": "Which SPI mode?", "system": "W5500 SPI summary."})
    set_(en[3], {"status": "approved"})
    set_(en[2], {"status": "rejected"})
    set_(en[5], {"status": "deleted"})
    # v2: both real questions approved unchanged, the greeting deleted after an edit.
    set_(ko[0], {"status": "approved"})
    set_(ko[1], {"status": "approved"})
    set_(ko[2], {"answer": "안녕하세요"})
    set_(ko[2], {"status": "deleted"})
    set_(rules[0], {"status": "approved"})
    return v1, v2, en, ko


def test_shares_edit_size_and_fields_per_version(db, history):
    v1, v2, en, ko = history
    groups = version_stats(db)
    assert [g.version_id for g in groups] == [v2, v1, None]
    second, first, unversioned = groups

    assert first.name == "v1" and first.model == "gpt-4o-mini"
    assert (first.pairs, first.pending, first.reviewed) == (6, 1, 5)
    assert (first.approved_unchanged, first.edited, first.rejected, first.deleted) == (1, 2, 1, 1)
    assert first.share(first.edited) == pytest.approx(2 / 5)
    expected = [
        edit_ratio({"system": "W5500 summary.", "question": "Does it do IPv6?",
                    "answer": "No, the W6100 does."},
                   {"system": "W5500 summary.", "question": "Does it do IPv6?",
                    "answer": "No, the W6100 does (W5500 is IPv4 only)."}),
        edit_ratio({"system": "W5500 summary.", "question": "What SPI mode?",
                    "answer": "Mode 0 or 3."},
                   {"system": "W5500 SPI summary.", "question": "Which SPI mode?",
                    "answer": "Mode 0 or 3."})]
    assert first.mean_edit_ratio == pytest.approx(sum(expected) / 2)
    assert 0 < first.mean_edit_ratio < 0.5
    assert first.fields_edited == {"system": 1, "question": 1, "answer": 1}

    assert second.name.startswith("split-v2 ") and second.model == "qwen2.5"
    assert (second.approved_unchanged, second.edited, second.rejected, second.deleted) == (
        2, 0, 0, 1)
    assert second.share(second.approved_unchanged) == pytest.approx(2 / 3)
    assert second.mean_edit_ratio is None
    assert second.most_edited() == ["answer"]  # the deleted greeting was edited first

    assert unversioned.name == NO_VERSION and unversioned.approved_unchanged == 1
    data = first.to_dict()
    assert data["share_rejected"] == pytest.approx(0.2) and data["most_edited"][0] in (
        "system", "question", "answer")


def test_superseded_pairs_are_not_counted(db, history):
    v1, _, en, _ = history
    store.replace_split_pairs(db, "c", [], who="splitter")  # supersedes untouched pairs only
    first = next(g for g in version_stats(db) if g.version_id == v1)
    assert first.pending == 0 and first.pairs == 5

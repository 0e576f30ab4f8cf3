import pytest

from reviewer.exporting.build import Example
from reviewer.exporting.holdout import HoldoutError, hold_out, parse_holdout


def make(sizes):
    examples, pid = [], 0
    for c, size in enumerate(sizes):
        for _ in range(size):
            pid += 1
            examples.append(Example([], (pid,), f"c{c:02d}"))
    return examples


@pytest.mark.parametrize(
    "raw, expected", [("0.2", 0.2), ("5", 5), (3, 3), (0.5, 0.5), (None, None)]
)
def test_parse_fraction_or_count(raw, expected):
    assert parse_holdout(raw) == expected


@pytest.mark.parametrize("raw", ["0", "1.0", "-3", "abc", 1.5, 0.0, True, "nan"])
def test_parse_rejects_bad_values(raw):
    with pytest.raises(HoldoutError):
        parse_holdout(raw)


def test_conversations_never_on_both_sides():
    examples = make([3, 1, 2, 4, 1, 1, 2, 3, 1, 2])
    for seed in range(20):
        train, valid = hold_out(examples, 0.25, seed=seed)
        train_c = {e.conversation_id for e in train}
        valid_c = {e.conversation_id for e in valid}
        assert not train_c & valid_c
        assert len(train) + len(valid) == len(examples)
        assert valid and train


def test_same_seed_same_holdout_other_seed_differs():
    examples = make([1] * 40)
    a = hold_out(examples, 0.2, seed=7)
    b = hold_out(examples, 0.2, seed=7)
    assert a == b
    others = {tuple(e.pair_ids for e in hold_out(examples, 0.2, seed=s)[1])
              for s in range(8)}
    assert len(others) > 1


def test_fraction_and_count_sizes():
    examples = make([1] * 50)
    assert len(hold_out(examples, 0.2, seed=1)[1]) == 10
    assert len(hold_out(examples, 7, seed=1)[1]) == 7
    # Tiny fractions still give one validation example.
    assert len(hold_out(examples, 0.001, seed=1)[1]) == 1


def test_count_never_exceeded_and_files_keep_db_order():
    examples = make([5, 2, 3, 1, 4])
    sizes = {}
    for e in examples:
        sizes[e.conversation_id] = sizes.get(e.conversation_id, 0) + 1
    for seed in range(10):
        train, valid = hold_out(examples, 6, seed=seed)
        assert len(valid) <= 6
        gap = 6 - len(valid)
        left_out = {e.conversation_id for e in train}
        assert all(sizes[c] > gap for c in left_out)
        assert train == [e for e in examples if e in train]
        assert valid == [e for e in examples if e in valid]


def test_too_big_conversation_takes_the_smallest():
    train, valid = hold_out(make([5, 4, 6]), 1, seed=3)
    assert [e.conversation_id for e in valid] == ["c01"] * 4


def test_impossible_holdouts_raise():
    with pytest.raises(HoldoutError, match="at least 2 conversations"):
        hold_out(make([10]), 0.2)
    with pytest.raises(HoldoutError, match="nothing to train"):
        hold_out(make([1, 1, 1]), 3)


def test_frozen_conversations_always_go_to_the_validation_side():
    from reviewer.exporting.holdout import hold_out

    class Ex:
        def __init__(self, cid: str) -> None:
            self.conversation_id = cid

    examples = [Ex(f"c{n}") for n in range(10)]
    for seed in range(5):
        train, valid = hold_out(examples, 2, seed=seed, frozen={"c3", "c7"})
        assert {e.conversation_id for e in valid} == {"c3", "c7"}
        assert len(train) == 8

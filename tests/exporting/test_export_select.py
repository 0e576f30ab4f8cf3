from reviewer.exporting.build import build_examples
from reviewer.review.store import count_approved, iter_approved


def test_only_approved_pairs_in_conversation_position_order(db, pairs_adder):
    later = pairs_adder(db, "b-conv", [("q b1", "a b1"), ("q b0", "a b0")], start=0)
    pairs_adder(db, "a-conv", [
        ("q pending", "a", "pending"),
        ("q approved", "a", "approved"),
        ("q rejected", "a", "rejected"),
        ("q deleted", "a", "deleted"),
    ])
    # Same position twice: the id breaks the tie.
    tie = pairs_adder(db, "b-conv", [("q tie", "a tie")], start=0)
    rows = list(iter_approved(db))
    assert [r.question for r in rows] == ["q approved", "q b1", "q tie", "q b0"]
    assert [r.conversation_id for r in rows] == ["a-conv", "b-conv", "b-conv", "b-conv"]
    assert rows[1].id == later[0] and rows[2].id == tie[0]
    assert count_approved(db) == 4


def test_iterates_lazily(db, seed):
    seed(db, 3)
    iterator = iter_approved(db)
    first = next(iterator)
    assert first.conversation_id == "conv-000"


def test_one_example_per_pair_with_system_user_assistant(db, pairs_adder):
    ids = pairs_adder(db, "c1", [("Question?", "Answer.")], system="")
    [example] = list(build_examples(iter_approved(db)))
    assert example.pair_ids == (ids[0],)
    assert example.messages == [
        {"role": "system", "content": ""},
        {"role": "user", "content": "Question?"},
        {"role": "assistant", "content": "Answer."},
    ]


def test_multi_turn_groups_a_conversation_with_the_first_system(db, pairs_adder):
    first = pairs_adder(db, "c1", [("q1", "a1")], system="first system", start=0)
    second = pairs_adder(db, "c1", [("q2", "a2")], system="other system", start=1)
    pairs_adder(db, "c1", [("q3", "a3", "rejected")], start=2)
    other = pairs_adder(db, "c2", [("q4", "a4")], system="second conversation")
    examples = list(build_examples(iter_approved(db), multi_turn=True))
    assert len(examples) == 2
    assert examples[0].pair_ids == (first[0], second[0])
    assert examples[0].messages == [
        {"role": "system", "content": "first system"},
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "q2"},
        {"role": "assistant", "content": "a2"},
    ]
    assert examples[1].pair_ids == (other[0],)
    assert [m["role"] for m in examples[1].messages] == ["system", "user", "assistant"]

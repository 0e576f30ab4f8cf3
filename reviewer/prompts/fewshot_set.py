"""The few-shot set the LLM splitter's prompt carries, kept in the database and managed from
the app and the CLI: promote approved pairs into it, remove, reorder, import and export.

An example teaches the real task: its input is the raw conversation the pairs came from
(every turn, greetings and thanks included, numbered as the prompt numbers them) and its
output the approved pairs with the turns each came from. Promoting one pair takes the
stretch of its conversation around the pair's own turns, widened over neighbouring turns
that no other live (pending or approved) pair claims, so the greetings, thanks and rejected
chatter beside it come along but another question does not. Promoting a conversation takes
all of it and all its approved pairs; it is refused while some of its pairs are pending,
since the example would teach the model to skip them.

Examples are snapshots: a later edit of the pair does not change the example.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from ..db import now_iso
from ..fewshot import few_shot_line, load_few_shot_set
from ..models import Turn
from ..review import store
from ..review.statuses import APPROVED, PENDING
from ..splitting.prompt import ExamplePair, FewShotExample

KIND_PAIR, KIND_CONVERSATION, KIND_IMPORT = "pair", "conversation", "import"


class FewShotSetError(ValueError):
    """A promote, remove, move or import that cannot be done; the message says why."""


@dataclass(frozen=True)
class StoredExample:
    """One row of the set: where it came from and the example itself."""

    id: int
    position: int
    kind: str
    conversation_id: str | None
    pair_ids: tuple[int, ...]
    example: FewShotExample
    created_at: str
    created_by: str

    def summary(self) -> dict:
        """A flat row for tables and ``--json``."""
        first = self.example.pairs[0].question if self.example.pairs else ""
        return {"id": self.id, "position": self.position, "kind": self.kind,
                "conversation_id": self.conversation_id, "pair_ids": list(self.pair_ids),
                "turns": len(self.example.turns), "pairs": len(self.example.pairs),
                "system": self.example.system, "first_question": first,
                "created_by": self.created_by, "created_at": self.created_at}


def _turns_to_json(turns: Sequence[Turn]) -> str:
    return json.dumps([{"role": t.role, "speaker": t.speaker, "text": t.text} for t in turns],
                      ensure_ascii=False)


def _example_from_row(row: dict) -> FewShotExample:
    turns = tuple(Turn(t.get("role") or "unknown", t.get("text") or "", t.get("speaker") or "")
                  for t in json.loads(row["turns"]))
    output = json.loads(row["output"])
    pairs = tuple(ExamplePair(p["question"], p["answer"], tuple(p.get("question_turns") or ()),
                              tuple(p.get("answer_turns") or ())) for p in output["pairs"])
    return FewShotExample(turns, output["system"], pairs)


def list_examples(db: Database) -> list[StoredExample]:
    """The set in prompt order."""
    cursor = db.execute("SELECT * FROM few_shot_examples ORDER BY position, id")
    names = [d[0] for d in cursor.description]
    out = []
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        out.append(StoredExample(int(row["id"]), int(row["position"]), row["kind"],
                                 row["conversation_id"],
                                 tuple(json.loads(row["pair_ids"] or "[]")),
                                 _example_from_row(row), row["created_at"],
                                 row["created_by"] or ""))
    return out


def prompt_examples(db: Database) -> list[FewShotExample]:
    """The examples the prompt carries, in order (empty when the set is empty)."""
    return [e.example for e in list_examples(db)]


def _add(db: Database, kind: str, conversation_id: str | None, pair_ids: Sequence[int],
         example: FewShotExample, who: str) -> int:
    with db.atomic():
        position = int(db.execute("SELECT coalesce(max(position), -1) + 1 FROM"
                                  " few_shot_examples").fetchone()[0])
        cursor = db.execute(
            "INSERT INTO few_shot_examples (position, kind, conversation_id, pair_ids, turns,"
            " output, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [position, kind, conversation_id, json.dumps(list(pair_ids)),
             _turns_to_json(example.turns), json.dumps(example.output(), ensure_ascii=False),
             now_iso(), who])
        return int(cursor.lastrowid or 0)


def _already_in_set(db: Database, pair_ids: Sequence[int]) -> int | None:
    wanted = set(pair_ids)
    for example in list_examples(db):
        if wanted & set(example.pair_ids):
            return example.id
    return None


def _conversation_turns(db: Database, conversation_id: str) -> list[Turn]:
    turns = store.conversation_turns(db, conversation_id)
    if not turns:
        raise FewShotSetError(f"conversation {conversation_id} has no turns to show the model")
    return turns


def _renumbered(turns: Sequence[int], start: int) -> tuple[int, ...]:
    """Stored provenance (from 0, whole conversation) → prompt numbers (from 1, the span)."""
    return tuple(t - start + 1 for t in sorted(set(turns)))


def example_for_pair(db: Database, pair_id: int) -> FewShotExample:
    """The example one approved pair makes (see the module docstring for its input)."""
    pair = store.get_pair(db, pair_id)
    if pair is None:
        raise FewShotSetError(f"no pair {pair_id}")
    if pair["status"] != APPROVED:
        raise FewShotSetError(f"pair {pair_id} is {pair['status']}: only approved pairs can "
                              "become examples")
    turns = _conversation_turns(db, pair["conversation_id"])
    own = set(store.turns_of(pair["question_turns"])) | set(store.turns_of(pair["answer_turns"]))
    own = {t for t in own if 0 <= t < len(turns)}
    if not own:  # no provenance: the whole conversation is the input
        start, end = 0, len(turns) - 1
    else:
        claimed: set[int] = set()
        for other in store.pairs_of_conversation(db, pair["conversation_id"]):
            if int(other["id"]) != int(pair_id) and other["status"] in (PENDING, APPROVED):
                claimed |= set(store.turns_of(other["question_turns"]))
                claimed |= set(store.turns_of(other["answer_turns"]))
        start, end = min(own), max(own)
        while start > 0 and start - 1 not in claimed:
            start -= 1
        while end < len(turns) - 1 and end + 1 not in claimed:
            end += 1
    span = turns[start:end + 1]
    example_pair = ExamplePair(
        pair["question"] or "", pair["answer"] or "",
        _renumbered([t for t in store.turns_of(pair["question_turns"]) if start <= t <= end],
                    start),
        _renumbered([t for t in store.turns_of(pair["answer_turns"]) if start <= t <= end],
                    start))
    return FewShotExample(tuple(span), pair["system"] or "", (example_pair,))


def example_for_conversation(db: Database, conversation_id: str) -> tuple[FewShotExample,
                                                                          list[int]]:
    """The example a whole conversation makes, and the approved pairs it holds."""
    if store.get_conversation(db, conversation_id) is None:
        raise FewShotSetError(f"no conversation {conversation_id}")
    pairs = store.pairs_of_conversation(db, conversation_id)
    pending = [p for p in pairs if p["status"] == PENDING]
    if pending:
        raise FewShotSetError(
            f"{len(pending)} pair(s) of conversation {conversation_id} are still pending: "
            "review them first, or the example would teach the model to skip them")
    approved = [p for p in pairs if p["status"] == APPROVED]
    if not approved:
        raise FewShotSetError(f"conversation {conversation_id} has no approved pair")
    turns = _conversation_turns(db, conversation_id)
    system = next((p["system"] for p in approved if p["system"]), "")
    example_pairs = tuple(
        ExamplePair(p["question"] or "", p["answer"] or "",
                    _renumbered(store.turns_of(p["question_turns"]), 0),
                    _renumbered(store.turns_of(p["answer_turns"]), 0)) for p in approved)
    return FewShotExample(tuple(turns), system, example_pairs), [int(p["id"]) for p in approved]


def promote_pair(db: Database, pair_id: int, *, who: str) -> int:
    """Add an approved pair to the set (at the end); returns the example id."""
    example = example_for_pair(db, pair_id)
    held = _already_in_set(db, [pair_id])
    if held is not None:
        raise FewShotSetError(f"pair {pair_id} is already in the few-shot set (example {held})")
    pair = store.get_pair(db, pair_id)
    assert pair is not None
    return _add(db, KIND_PAIR, pair["conversation_id"], [pair_id], example, who)


def promote_conversation(db: Database, conversation_id: str, *, who: str) -> int:
    """Add a conversation with all its approved pairs to the set; returns the example id."""
    example, pair_ids = example_for_conversation(db, conversation_id)
    held = _already_in_set(db, pair_ids)
    if held is not None:
        raise FewShotSetError(f"pairs of conversation {conversation_id} are already in the "
                              f"few-shot set (example {held}); remove it first")
    return _add(db, KIND_CONVERSATION, conversation_id, pair_ids, example, who)


def _renumber(db: Database, order: Sequence[int]) -> None:
    for position, example_id in enumerate(order):
        db.execute("UPDATE few_shot_examples SET position = ? WHERE id = ?",
                   [position, example_id])


def remove(db: Database, example_id: int) -> None:
    """Take an example out of the set (the pairs it came from stay as they are)."""
    with db.atomic():
        if not db.execute("DELETE FROM few_shot_examples WHERE id = ?",
                          [int(example_id)]).rowcount:
            raise FewShotSetError(f"no few-shot example {example_id}")
        _renumber(db, [e.id for e in list_examples(db)])


def move(db: Database, example_id: int, to: int) -> None:
    """Put an example at place ``to`` (from 1) in the prompt; the others keep their order."""
    with db.atomic():
        order = [e.id for e in list_examples(db)]
        if int(example_id) not in order:
            raise FewShotSetError(f"no few-shot example {example_id}")
        if not 1 <= int(to) <= len(order):
            raise FewShotSetError(f"place {to} is outside 1..{len(order)}")
        order.remove(int(example_id))
        order.insert(int(to) - 1, int(example_id))
        _renumber(db, order)


def import_file(db: Database, path: str | Path, *, who: str, replace: bool = False) -> int:
    """Add every example of a few-shot file (export format, optionally with conversations;
    see `reviewer.fewshot`) to the set; ``replace`` empties the set first. Examples without
    a conversation get a transcript rebuilt from their pairs. Returns how many were added.
    Raises `FewShotError` for a bad file."""
    from ..splitting.prompt import rebuilt_example

    examples = load_few_shot_set(path)
    with db.atomic():
        if replace:
            db.execute("DELETE FROM few_shot_examples")
        for example in examples:
            if not isinstance(example, FewShotExample):
                example = rebuilt_example(example)
            _add(db, KIND_IMPORT, None, [], example, who)
    return len(examples)


def export_file(db: Database, path: str | Path) -> int:
    """Write the set as a few-shot file (one JSON line per example, conversations kept);
    returns how many examples were written."""
    examples = prompt_examples(db)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text("".join(few_shot_line(e) + "\n" for e in examples), encoding="utf-8")
    tmp.replace(target)
    return len(examples)

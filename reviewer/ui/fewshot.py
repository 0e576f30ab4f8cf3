"""Few-shot set actions for the Streamlit pages: the Review page's "Promote to few-shot"
hook and the Prompt page's promote, move and remove buttons. Each runs as a button callback
and leaves its outcome as a notice for the next run."""

from __future__ import annotations

import streamlit as st

from ..prompts import fewshot_set
from . import get_db, reviewer_name

PROMPT_NOTICE = "pr_notice"


def _who() -> str:
    return reviewer_name() or "reviewer"


def _promote(pair_id: int) -> None:
    notices = st.session_state.get("rv_notices", [])
    try:
        example_id = fewshot_set.promote_pair(get_db(), pair_id, who=_who())
    except fewshot_set.FewShotSetError as exc:
        st.session_state["rv_notices"] = [*notices, ("warning", str(exc))]
        return
    st.session_state["rv_notices"] = [
        *notices, ("ok", f"Pair {pair_id} is few-shot example {example_id} (see the Prompt page)")]


def promote_button(pair_id: int) -> None:
    """A button that adds an approved pair, with its stretch of conversation, to the set."""
    st.button("Promote to few-shot", key="rv_promote", width="content", on_click=_promote,
              args=(pair_id,), icon=":material/school:",
              help="Add this approved pair, with the conversation around it, to the examples "
                   "the LLM splitter learns from")


def _notice(kind: str, message: str) -> None:
    st.session_state[PROMPT_NOTICE] = (kind, message)


def show_notice() -> None:
    """The outcome of the last action on the Prompt page, once."""
    notice = st.session_state.pop(PROMPT_NOTICE, None)
    if notice:
        kind, message = notice
        (st.success if kind == "ok" else st.warning)(message)


def promote_from_page(pair_key: str, conversation_key: str) -> None:
    """Promote what the Prompt page's boxes name: a conversation id, else a pair id."""
    state = st.session_state
    conversation_id = (state.get(conversation_key) or "").strip()
    pair_id = state.get(pair_key)
    try:
        if conversation_id:
            example_id = fewshot_set.promote_conversation(get_db(), conversation_id, who=_who())
            _notice("ok", f"Conversation {conversation_id} is example {example_id}.")
        elif pair_id:
            example_id = fewshot_set.promote_pair(get_db(), int(pair_id), who=_who())
            _notice("ok", f"Pair {int(pair_id)} is example {example_id}.")
        else:
            _notice("warning", "Give a pair id or a conversation id.")
    except fewshot_set.FewShotSetError as exc:
        _notice("warning", str(exc))


def move_example(example_id: int, to: int) -> None:
    try:
        fewshot_set.move(get_db(), example_id, to)
    except fewshot_set.FewShotSetError as exc:
        _notice("warning", str(exc))


def remove_example(example_id: int) -> None:
    try:
        fewshot_set.remove(get_db(), example_id)
        _notice("ok", f"Example {example_id} removed from the set.")
    except fewshot_set.FewShotSetError as exc:
        _notice("warning", str(exc))

"""Prompt: the few-shot set the LLM splitter learns from (check, reorder, remove, promote),
its size in tokens, and how reviewers treated each prompt version's pairs."""

import pandas as pd
import streamlit as st

from reviewer import ui
from reviewer.fewshot import few_shot_line
from reviewer.presenters import prompt as view
from reviewer.prompts import fewshot_set
from reviewer.prompts.check import check_set
from reviewer.prompts.stats import version_stats
from reviewer.ui import fewshot as actions

ctx = ui.page_setup("Prompt")
who = ui.require_reviewer()
state = st.session_state

st.title("Prompt")
actions.show_notice()

st.subheader("Few-shot set")
st.caption("Examples the LLM splitter learns from: each is a real conversation and the "
           "approved pairs it should produce. The rules splitter does not use them.")
examples = fewshot_set.list_examples(ctx.db)
verdict = check_set([e.example for e in examples])
usable, headline = view.check_headline(verdict)
if examples:
    (st.success if usable else st.error)(headline)
problems = view.problem_rows(verdict)
if problems:
    st.dataframe(pd.DataFrame(problems), hide_index=True, key="pr_problems")

if examples:
    st.dataframe(pd.DataFrame(view.example_rows(examples, verdict.example_tokens)),
                 hide_index=True, key="pr_examples")
    ids = [e.id for e in examples]
    chosen = st.selectbox("Example to read, move or remove", ids, key="pr_chosen",
                          format_func=lambda i: view.example_label(
                              examples[ids.index(i)], ids.index(i) + 1))
    place = ids.index(chosen) + 1
    with st.container(horizontal=True, gap="xsmall"):
        st.button("Move up", key="pr_up", disabled=place == 1, on_click=actions.move_example,
                  args=(chosen, place - 1), icon=":material/arrow_upward:")
        st.button("Move down", key="pr_down", disabled=place == len(ids),
                  on_click=actions.move_example, args=(chosen, place + 1),
                  icon=":material/arrow_downward:")
        st.button("Remove from the set", key="pr_remove", on_click=actions.remove_example,
                  args=(chosen,), icon=":material/delete:",
                  help="Takes the example out of the set; its pairs stay approved in Review.")
        st.download_button("Download the set (JSONL)", key="pr_download", on_click="ignore",
                           data="".join(few_shot_line(e.example) + "\n" for e in examples),
                           file_name="few_shot.jsonl", mime="application/jsonl")
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Input** (the conversation, numbered as the prompt shows it)")
        ui.plain_block(view.example_input(examples[place - 1]))
    with right:
        st.markdown("**Output** (the approved pairs and the turns they come from)")
        ui.plain_block(view.example_output_text(examples[place - 1]))
        with st.expander("As the prompt sends it (JSON)"):
            ui.plain_block(view.example_output(examples[place - 1]))
else:
    st.info(f"No examples yet: splits use the few-shot file. {view.size_line(verdict)} "
            "Add approved pairs below, with Promote to few-shot in Review, or "
            "`reviewer fewshot promote PAIR_ID`.")

with st.form("pr_promote_form", border=True):
    st.markdown("**Add approved pairs to the set**")
    c1, c2 = st.columns(2)
    c1.number_input("Pair id (shown in Review)", min_value=0, step=1, value=None,
                    placeholder="e.g. 42", key="pr_pair_id")
    c2.text_input("or a conversation id (all its approved pairs)", key="pr_conversation_id")
    st.form_submit_button("Add to the few-shot set", on_click=actions.promote_from_page,
                          args=("pr_pair_id", "pr_conversation_id"))

st.subheader("Prompt versions")
groups = version_stats(ctx.db)
if not groups:
    st.info("No pairs yet. Every LLM split records the prompt it sent as a version; its pairs "
            "are counted here as reviewers approve, edit, reject or delete them.")
else:
    st.dataframe(pd.DataFrame(view.version_rows(groups)), hide_index=True, key="pr_versions")
    st.caption("Shares are of reviewed pairs. Mean edit size: character edit distance from "
               "the model's original text to the current one, over the longer text.")
    chart = view.chart_rows(groups)
    if chart:
        st.markdown("**What reviewers did with each version's pairs**")
        st.vega_lite_chart(pd.DataFrame(chart), view.chart_spec(chart), key="pr_chart")

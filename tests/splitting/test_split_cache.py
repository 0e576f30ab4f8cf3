"""A re-run with the same settings is answered from the cache: no call is paid."""

from click.testing import CliRunner
from splitting_samples import EN_TURNS, KO_TURNS, store_conversation

from reviewer.cli import cli
from reviewer.db import opened
from reviewer.splitting import split_pending
from reviewer.splitting.llm import LLMSplitter


def splitter(server, **kw) -> LLMSplitter:
    return LLMSplitter("m", base_url=server.base_url, max_retries=0, **kw)


def pairs_of(db_path) -> list[tuple]:
    with opened(db_path) as db:
        return db.execute("SELECT conversation_id, question, answer FROM pairs"
                          " WHERE status = 'pending' ORDER BY conversation_id, position"
                          ).fetchall()


def test_a_redo_with_the_same_settings_makes_no_calls(db_path, fake_openai):
    store_conversation(db_path, EN_TURNS)
    store_conversation(db_path, KO_TURNS)
    first = split_pending(db_path, splitter(fake_openai))
    assert first.split == 2 and len(fake_openai.chat_requests()) == 2
    before = pairs_of(db_path)
    again = split_pending(db_path, splitter(fake_openai), redo=True)
    assert again.split == 2
    assert len(fake_openai.chat_requests()) == 2  # nothing new reached the server
    assert pairs_of(db_path) == before  # the same pairs, re-created from the cached answers
    with opened(db_path) as db:
        rows = db.execute("SELECT run_id, cached, cost_usd FROM llm_calls ORDER BY id").fetchall()
    assert [r[1] for r in rows] == [0, 0, 1, 1]
    assert {r[0] for r in rows[2:]} == {again.run_id} and all(r[2] == 0 for r in rows[2:])


def test_no_cache_and_changed_settings_ask_again(db_path, fake_openai):
    store_conversation(db_path, EN_TURNS)
    split_pending(db_path, splitter(fake_openai))
    split_pending(db_path, splitter(fake_openai), redo=True, use_cache=False)
    assert len(fake_openai.chat_requests()) == 2
    # A different output limit is a different request: not answered from the cache.
    split_pending(db_path, splitter(fake_openai, max_output_tokens=64), redo=True)
    assert len(fake_openai.chat_requests()) == 3


def test_the_cli_flag_and_the_calls_listing(db_path, fake_openai):
    store_conversation(db_path, EN_TURNS)
    args = ["--db", str(db_path), "split", "--splitter", "llm", "--base-url",
            fake_openai.base_url, "--model", "m"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert CliRunner().invoke(cli, [*args, "--redo"]).exit_code == 0
    assert len(fake_openai.chat_requests()) == 1
    assert CliRunner().invoke(cli, [*args, "--redo", "--no-cache"]).exit_code == 0
    assert len(fake_openai.chat_requests()) == 2
    listing = CliRunner().invoke(cli, ["--db", str(db_path), "llm-calls"])
    assert listing.output.count("(from the cache)") == 1

"""The Review page's one-line source caption."""

from __future__ import annotations

from pathlib import Path

from reviewer.presenters.review import source_caption


def test_a_path_under_the_working_directory_is_shown_relative(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    inside = tmp_path / "data" / "samples" / "tickets.zip"
    assert source_caption(f"{inside}:archived/고객_문의.txt", "line 9") == \
        "data/samples/tickets.zip:archived/고객_문의.txt · line 9"


def test_a_path_elsewhere_keeps_its_last_two_parts(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    outside = Path("/srv/exports/2026/chats.txt")
    assert source_caption(str(outside), "line 3") == "…/2026/chats.txt · line 3"


def test_relative_names_and_crafted_names_are_shown_as_they_are():
    name = "<img src=x onerror=alert('source')>.txt"
    assert source_caption(name, "line 1") == f"{name} · line 1"
    assert source_caption("upload.jsonl", "") == "upload.jsonl"

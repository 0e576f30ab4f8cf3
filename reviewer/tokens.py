"""Exact tiktoken token counts that work offline.

tiktoken downloads an encoding's BPE file on first use and keeps it in its cache directory
(``TIKTOKEN_CACHE_DIR``, else ``DATA_GYM_CACHE_DIR``, else ``<tmp>/data-gym-cache``) under
the name ``sha1(<download URL>)``, checking the file against a sha256 it knows. The
``bpe-openai`` package (a runtime dependency) ships the same files, gzipped. Before an
encoding is first used, its packaged copy is checked against that sha256 and written into
the cache directory (only when the file there is missing or wrong); then tiktoken loads it
the ordinary way and checks the hash itself. Nothing is ever downloaded, and the counts are
tiktoken's own.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import tempfile
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tiktoken

ENCODINGS = ("o200k_base", "cl100k_base")
DEFAULT_ENCODING = "o200k_base"

# Where tiktoken downloads each encoding from and the sha256 it expects of the file.
_BLOBS = "https://openaipublic.blob.core.windows.net/encodings"
SOURCES = {
    "o200k_base": (f"{_BLOBS}/o200k_base.tiktoken",
                   "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
    "cl100k_base": (f"{_BLOBS}/cl100k_base.tiktoken",
                    "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
}

# Cookbook chat-counting constants (tokens per message, extra for a name, reply priming).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3


class TokenizerUnavailable(RuntimeError):
    """The encoding cannot be loaded without a download."""


_lock = threading.Lock()


# --- which encoding for which model ------------------------------------------------------

_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "chatgpt-4o", "o1", "o3", "o4")
_CL100K_PREFIXES = ("gpt-3.5", "gpt-35", "gpt-4", "davinci-002", "babbage-002",
                    "text-embedding-3", "text-embedding-ada-002")


def encoding_for_model_info(model: str | None) -> tuple[str, bool]:
    """Return ``(encoding name, known)``; ``known`` is False when the default was used."""
    name = (model or "").strip().lower()
    if name.startswith("ft:"):
        # ft:<base>:<org>:<suffix>:<id> — classify by the base model only. tiktoken's own
        # prefix table sends ft:gpt-4.1… to cl100k_base via its "ft:gpt-4" entry.
        name = name[3:].split(":", 1)[0]
    if not name:
        return DEFAULT_ENCODING, False
    # o200k first: "gpt-4o"/"gpt-4.1" would otherwise match the cl100k "gpt-4" prefix.
    if name.startswith(_O200K_PREFIXES):
        return "o200k_base", True
    if name.startswith(_CL100K_PREFIXES):
        return "cl100k_base", True
    return DEFAULT_ENCODING, False


def encoding_name_for_model(model: str | None) -> str:
    """``o200k_base`` or ``cl100k_base`` for a model id (snapshots and ``ft:`` ids too).

    Unknown models get ``o200k_base``; use :func:`encoding_for_model_info` to know whether
    that was a default.
    """
    return encoding_for_model_info(model)[0]


# --- loading -----------------------------------------------------------------------------

def cache_dir() -> str | None:
    """The directory tiktoken's cache lookup uses, or None when caching is disabled."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        value = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        value = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        value = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    return value or None


def cache_path(name: str) -> Path:
    """Where tiktoken looks for ``name``'s file; TokenizerUnavailable when caching is off
    (tiktoken would then download on every load)."""
    directory = cache_dir()
    if directory is None:
        raise TokenizerUnavailable(
            "TIKTOKEN_CACHE_DIR is empty, which turns tiktoken's cache off and makes it download "
            "its encoding files; unset it or point it at a writable directory")
    url, _ = SOURCES[name]
    return Path(directory) / hashlib.sha1(url.encode()).hexdigest()


def packaged_data(name: str) -> bytes:
    """The encoding file shipped by ``bpe-openai``, checked against tiktoken's sha256."""
    spec = importlib.util.find_spec("bpe_openai")  # located, not imported
    if spec is None or not spec.submodule_search_locations:
        raise TokenizerUnavailable("the bpe-openai package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"{name}.tiktoken.gz"
    try:
        with gzip.open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise TokenizerUnavailable(f"cannot read the packaged {name} data: {exc}") from exc
    if hashlib.sha256(data).hexdigest() != SOURCES[name][1]:
        raise TokenizerUnavailable(f"the packaged {name} data does not match tiktoken's sha256")
    return data


def _file_ok(path: Path, expected: str) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == expected
    except OSError:
        return False


def seed_cache(name: str) -> Path:
    """Put the packaged file where tiktoken looks for it, unless a good copy is there."""
    target = cache_path(name)
    if _file_ok(target, SOURCES[name][1]):
        return target
    data = packaged_data(name)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)  # atomic: a concurrent reader sees the old or the new file
    except OSError as exc:
        raise TokenizerUnavailable(
            f"cannot write tiktoken's cache file {target} ({exc.strerror or exc}); set "
            "TIKTOKEN_CACHE_DIR to a writable directory") from exc
    return target


def get_encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """A tiktoken encoding, its file taken from the packaged copy when not cached yet."""
    if name not in ENCODINGS:
        raise ValueError(f"unsupported encoding {name!r}; use one of {', '.join(ENCODINGS)}")
    import tiktoken.registry

    with _lock:
        if name not in tiktoken.registry.ENCODINGS:  # loaded once per process
            seed_cache(name)
        try:
            return tiktoken.get_encoding(name)
        except Exception as exc:  # noqa: BLE001 - tiktoken raises many kinds here
            raise TokenizerUnavailable(f"tiktoken could not load {name}: {exc}") from exc


def clear_loaded() -> None:
    """Forget loaded encodings (tests use it to exercise the loading path again)."""
    import tiktoken.registry

    with _lock:
        for name in ENCODINGS:
            tiktoken.registry.ENCODINGS.pop(name, None)


# --- counting ----------------------------------------------------------------------------

def token_counts(enc: tiktoken.Encoding, texts: Sequence[str]) -> list[int]:
    """``len(enc.encode_ordinary(t))`` for each text, through tiktoken's batch call."""
    return [len(ids) for ids in enc.encode_ordinary_batch(list(texts))]


def content_text(content: Any) -> list[str]:
    """The string parts of a message ``content``: a string, or the text parts of an array."""
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                out.append(part["text"])
        return out
    return []


def message_strings(message: dict) -> tuple[list[str], int]:
    """Strings counted for one message and the constant extra tokens.

    Counted: ``role``, the text of ``content``, ``name`` (+1), and for assistant tool calls
    the function ``name`` and ``arguments`` strings (and a legacy ``function_call``'s). Other
    values (numbers such as ``weight``, ids, nested objects) are not text the model reads
    and are not counted; the cookbook's counter would crash on them.
    """
    strings: list[str] = []
    extra = TOKENS_PER_MESSAGE
    role = message.get("role")
    if isinstance(role, str):
        strings.append(role)
    strings.extend(content_text(message.get("content")))
    name = message.get("name")
    if isinstance(name, str):
        strings.append(name)
        extra += TOKENS_PER_NAME
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        for call in calls:
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict):
                strings.extend(v for k in ("name", "arguments") if isinstance(v := fn.get(k), str))
    fn = message.get("function_call")
    if isinstance(fn, dict):
        strings.extend(v for k in ("name", "arguments") if isinstance(v := fn.get(k), str))
    return strings, extra


def count_chat_tokens(messages: list[dict], enc: tiktoken.Encoding) -> int:
    """Cookbook count: 3 per message + tokens of its string fields, +1 for a name, +3 priming."""
    total = REPLY_PRIMING
    for message in messages:
        if not isinstance(message, dict):
            continue
        strings, extra = message_strings(message)
        total += extra + sum(len(enc.encode_ordinary(s)) for s in strings)
    return total

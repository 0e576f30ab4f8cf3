"""Exact tiktoken token counts that work offline.

tiktoken downloads its BPE files on first use and keeps them in a cache directory under
the name ``sha1(<download URL>)``, checking each file against a sha256 it knows before
using it. The ``bpe-openai`` package (a runtime dependency) ships the same files,
gzipped. Before asking tiktoken for an encoding we put the decompressed packaged file
where tiktoken's cache lookup will find it (only when no file is there yet), then let
tiktoken load it the usual way, so tiktoken's own hash check is what accepts the data.
With network access nothing changes: the cache is simply already warm.

When caching is disabled (``TIKTOKEN_CACHE_DIR=""``) or the cache directory cannot be
written, the packaged data is handed to tiktoken's own encoding constructor in memory,
again checked against the sha256 that constructor expects.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import itertools
import os
import re
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tiktoken
import tiktoken.load

ENCODINGS = ("o200k_base", "cl100k_base")
DEFAULT_ENCODING = "o200k_base"

# Cookbook chat-counting constants (tokens per message, extra for a name, reply priming).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3


class TokenizerUnavailable(RuntimeError):
    """The encoding data could not be loaded (no packaged copy and no network)."""


_lock = threading.Lock()
_loaded: dict[str, tiktoken.Encoding] = {}


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

def _packaged_path(name: str) -> Path:
    spec = importlib.util.find_spec("bpe_openai")
    if spec is None or not spec.submodule_search_locations:
        raise TokenizerUnavailable("the bpe-openai package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"{name}.tiktoken.gz"
    if not path.is_file():
        raise TokenizerUnavailable(f"bpe-openai does not ship {name} ({path.name} missing)")
    return path


def _packaged_bytes(name: str) -> bytes:
    with gzip.open(_packaged_path(name), "rb") as fh:
        return fh.read()


def _private_constructor(name: str, loader: Callable[[str, str | None], Any]) -> dict:
    """Run tiktoken's own constructor for ``name`` with ``loader`` in place of its file loader.

    A private copy of ``tiktoken_ext.openai_public`` is executed so the real module (used
    by every other thread) is never patched.
    """
    spec = importlib.util.find_spec("tiktoken_ext.openai_public")
    if spec is None or spec.loader is None:
        raise TokenizerUnavailable("tiktoken_ext.openai_public is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.load_tiktoken_bpe = lambda url, expected_hash=None: loader(url, expected_hash)
    constructor = module.ENCODING_CONSTRUCTORS.get(name)
    if constructor is None:
        raise TokenizerUnavailable(f"tiktoken has no encoding named {name}")
    return constructor()


class _Source(Exception):
    def __init__(self, url: str, expected_hash: str | None) -> None:
        super().__init__(url)
        self.url, self.expected_hash = url, expected_hash


@functools.cache
def blob_source(name: str) -> tuple[str, str]:
    """The download URL and expected sha256 that tiktoken itself uses for ``name``."""

    def record(url: str, expected_hash: str | None) -> Any:
        raise _Source(url, expected_hash)

    try:
        _private_constructor(name, record)
    except _Source as found:
        if not found.expected_hash:
            raise TokenizerUnavailable(f"tiktoken gives no hash for {name}") from None
        return found.url, found.expected_hash
    raise TokenizerUnavailable(f"could not find where tiktoken loads {name} from")


def cache_dir() -> str | None:
    """The directory tiktoken's cache lookup uses, or None when caching is disabled."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        value = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        value = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        value = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    return value or None


def cache_path(name: str) -> Path | None:
    directory = cache_dir()
    if directory is None:
        return None
    url, _ = blob_source(name)
    return Path(directory) / hashlib.sha1(url.encode()).hexdigest()


def _verified_packaged(name: str, expected_hash: str) -> bytes:
    data = _packaged_bytes(name)
    if not tiktoken.load.check_hash(data, expected_hash):
        raise TokenizerUnavailable(
            f"the packaged {name} data does not match tiktoken's expected sha256 {expected_hash}"
        )
    return data


def _place_in_cache(name: str, target: Path) -> bool:
    """Write the packaged file to ``target`` (atomically). False if the directory is unusable."""
    _, expected = blob_source(name)
    data = _verified_packaged(name, expected)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError:
        return False
    return True


def _in_memory(name: str) -> tiktoken.Encoding:
    """Build the encoding from packaged data without touching any cache."""

    def load(url: str, expected_hash: str | None) -> dict[bytes, int]:
        if not expected_hash:
            raise TokenizerUnavailable(f"tiktoken gives no hash for {name}")
        data = _verified_packaged(name, expected_hash)
        import base64

        ranks: dict[bytes, int] = {}
        for line in data.splitlines():
            if line:
                token, rank = line.split()
                ranks[base64.b64decode(token)] = int(rank)
        return ranks

    params = _private_constructor(name, load)
    return tiktoken.Encoding(**params)


def get_encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """A tiktoken encoding, loaded offline from packaged data when it is not cached yet."""
    if name not in ENCODINGS:
        raise ValueError(f"unsupported encoding {name!r}; use one of {', '.join(ENCODINGS)}")
    with _lock:
        enc = _loaded.get(name)
        if enc is not None:
            return enc
        enc = _load(name)
        _loaded[name] = enc
        return enc


def _load(name: str) -> tiktoken.Encoding:
    target = cache_path(name)
    if target is None:  # caching disabled by the user
        return _in_memory(name)
    if not target.exists() and not _place_in_cache(name, target):
        return _in_memory(name)
    problem: Exception | None = None
    for _attempt in range(2):
        try:
            return tiktoken.get_encoding(name)
        except Exception as exc:  # noqa: BLE001 - tiktoken raises many kinds here
            problem = exc
        # tiktoken removes a cache file whose hash is wrong and then tries the network.
        # Offline that fails: put the verified packaged copy back and try once more.
        if target.exists() or not _place_in_cache(name, target):
            break
    try:
        return _in_memory(name)
    except TokenizerUnavailable as exc:
        raise TokenizerUnavailable(
            f"cannot load the {name} encoding: cache file {target} was rejected and no "
            f"verified copy is available ({exc}); tiktoken said: {problem}"
        ) from problem


def clear_loaded() -> None:
    """Forget loaded encodings (tests use it to exercise the loading path again)."""
    import tiktoken.registry

    with _lock:
        _loaded.clear()
        for name in ENCODINGS:
            tiktoken.registry.ENCODINGS.pop(name, None)


# --- counting ----------------------------------------------------------------------------

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


# --- counting many strings: a per-word cache -------------------------------------------

# A string that may not be split at its spaces: a space after whitespace, or at either end.
_UNSPLITTABLE = re.compile(r"\s | $|^ ")
WORD_CACHE_ENTRIES = 100_000   # per cache; a full cache is cleared (memory stays bounded)
WORD_CACHE_MAX_LEN = 48        # longer words are encoded each time, never kept


class TokenCounter:
    """Exact ``len(enc.encode_ordinary(text))``, faster on text whose words repeat.

    tiktoken cuts text into pieces with its regex and encodes each piece on its own, so the
    count of a text is the sum of the counts of any chunks whose borders are piece borders.
    For ``o200k_base`` and ``cl100k_base``, a space whose previous character is not
    whitespace always starts a new piece: no piece holds a space other than as its first
    character or inside a whitespace-only piece, and a whitespace-only piece cannot also
    hold the character before it. So a text with no space after whitespace and no space at
    either end is counted as ``count(first word) + sum(count(" " + word))`` over its
    space-separated words, each count cached. Other texts are encoded whole. The test suite
    checks this against ``encode_ordinary`` on every BMP character in several contexts.
    """

    def __init__(self, enc: tiktoken.Encoding) -> None:
        if enc.name not in ENCODINGS:
            raise ValueError(f"word splitting is only proven for {', '.join(ENCODINGS)}")
        self.encode = enc.encode_ordinary
        self.first = _WordCounts(self.encode, "")   # a text's first word
        self.rest = _WordCounts(self.encode, " ")   # a later word, counted with its space
        self.count = self._counter()

    def _counter(self) -> Callable[[str], int]:
        """``count(text)``, with everything it uses bound to locals (it runs per string)."""
        encode, unsplittable = self.encode, _UNSPLITTABLE.search
        first, rest, islice = self.first.__getitem__, self.rest.__getitem__, itertools.islice

        def count(text: str) -> int:
            # printable text has no whitespace but the ASCII space; anything else is checked
            if not (text.isprintable() and "  " not in text and text[:1] != " "
                    and text[-1:] != " ") and unsplittable(text) is not None:
                return len(encode(text))
            words = text.split(" ")
            return first(words[0]) + sum(map(rest, islice(words, 1, None)))

        return count


class _WordCounts(dict):
    """Token counts of words (each encoded after ``prefix``); a missing word is encoded on
    lookup and kept unless it is long. A full cache is cleared, so memory stays bounded."""

    __slots__ = ("encode", "prefix")

    def __init__(self, encode: Callable[[str], list[int]], prefix: str) -> None:
        super().__init__()
        self.encode, self.prefix = encode, prefix

    def __missing__(self, word: str) -> int:
        n = len(self.encode(self.prefix + word))
        if len(word) <= WORD_CACHE_MAX_LEN:
            if len(self) >= WORD_CACHE_ENTRIES:
                self.clear()
            self[word] = n
        return n


_counters: dict[str, TokenCounter] = {}


def token_counter(enc: tiktoken.Encoding) -> TokenCounter:
    """The process's shared :class:`TokenCounter` for ``enc`` (its cache outlives one run;
    forked worker processes inherit it)."""
    with _lock:
        counter = _counters.get(enc.name)
        if counter is None or counter.encode != enc.encode_ordinary:
            counter = _counters[enc.name] = TokenCounter(enc)
        return counter

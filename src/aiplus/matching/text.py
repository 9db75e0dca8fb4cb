"""Chinese text normalisation and tokenisation for the matching engine.

Pipeline, identical for documents and queries:

1. ``normalise``: Unicode NFKC (full-width letters, digits and punctuation → half-width),
   traditional → simplified Chinese (``zhconv``), Latin lower-cased, whitespace collapsed.
2. ``tokenize``: jieba in search mode (a long word also yields its dictionary sub-words, e.g.
   "预测性维护" → 预测, 维护, 预测性维护) with the user dictionary ``data/userdict.txt``
   of AI and industry terms; runs of Latin letters and digits stay whole ("a100", "gpu");
   punctuation and the stop words in ``data/stopwords.txt`` are dropped.

A private ``jieba.Tokenizer`` is used so that the engine never changes jieba's global state
for the rest of the process.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
USERDICT_PATH = DATA_DIR / "userdict.txt"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"

_WS = re.compile(r"\s+")
# A token is kept when it holds at least one CJK character, Latin letter or digit.
_WORDLIKE = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)
_PUNCT_ONLY = re.compile(r"^[\W_]+$", re.UNICODE)

_lock = threading.Lock()
_tokenizer = None


def _to_simplified(text: str) -> str:
    import zhconv

    return zhconv.convert(text, "zh-cn")


def normalise(text: str) -> str:
    """Return ``text`` in the engine's canonical form.

    NFKC (full-width → half-width), traditional → simplified, lower-case, collapsed spaces.

    >>> normalise("ＧＰＵ集群　Ａ１００，機器視覺")
    'gpu集群 a100,机器视觉'
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _to_simplified(text)
    text = text.lower()
    return _WS.sub(" ", text).strip()


def normalise_for_encoder(text: str) -> str:
    """Normalise for a neural encoder: NFKC and simplified Chinese, case kept."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    return _WS.sub(" ", _to_simplified(text)).strip()


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The stop word set from ``data/stopwords.txt`` (normalised)."""
    words = set()
    for line in STOPWORDS_PATH.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(normalise(line))
    return frozenset(words)


@lru_cache(maxsize=1)
def user_terms() -> tuple[str, ...]:
    """The terms of the user dictionary, normalised (used for keyword fallbacks and tests)."""
    terms = []
    for line in USERDICT_PATH.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            terms.append(normalise(line.split()[0]))
    return tuple(terms)


def _get_tokenizer():
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                # Add the user terms normalised (lower-case), as text is normalised first.
                for line in USERDICT_PATH.read_text(encoding="utf-8").splitlines():
                    parts = line.split()
                    if not parts or parts[0].startswith("#"):
                        continue
                    freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                    tok.add_word(normalise(parts[0]), freq=freq)
                _tokenizer = tok
    return _tokenizer


def _segments(text: str, search_mode: bool) -> list[str]:
    tok = _get_tokenizer()
    if search_mode:
        return tok.lcut_for_search(text, HMM=True)
    return tok.lcut(text, HMM=True)


def tokenize(text: str, *, search_mode: bool = True, keep_stopwords: bool = False) -> list[str]:
    """Normalise and segment ``text`` into index terms.

    >>> tokenize("GPU集群A100共8卡")
    ['gpu', '集群', 'a100', '8', '卡']
    """
    norm = normalise(text)
    if not norm:
        return []
    stop = frozenset() if keep_stopwords else stopwords()
    out: list[str] = []
    for tok in _segments(norm, search_mode):
        tok = tok.strip()
        if not tok or not _WORDLIKE.search(tok) or _PUNCT_ONLY.match(tok):
            continue
        if tok in stop:
            continue
        out.append(tok)
    return out


def _tokenize_chunk(texts: list[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]


def tokenize_many(texts: list[str], *, processes: int | None = None) -> list[list[str]]:
    """Tokenise many texts, in ``processes`` worker processes when that pays off.

    jieba is pure Python (about 100,000 characters a second per core), so bulk indexing uses
    one process per core by default for more than 5,000 texts (fork start method, POSIX).
    """
    import os

    procs = processes if processes is not None else (os.cpu_count() or 1)
    if procs <= 1 or len(texts) < 5000:
        return [tokenize(t) for t in texts]
    import multiprocessing as mp

    try:
        ctx = mp.get_context("fork")
    except ValueError:
        return [tokenize(t) for t in texts]
    _get_tokenizer()  # initialise once, inherited by the workers
    size = max(1, len(texts) // (procs * 8))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    with ctx.Pool(procs) as pool:
        parts = pool.map(_tokenize_chunk, chunks)
    return [toks for part in parts for toks in part]

"""A hybrid index: BM25 (bm25s) over jieba tokens plus optional dense vectors.

Documents are plain data (:class:`Document`). The index keeps, in one position order:
ids, documents, token lists, and (when an encoder is set) an L2-normalised float32 matrix of
passage embeddings. BM25 is rebuilt lazily from the stored tokens after any change (about a
second per 100,000 short documents), so adds, updates and removals stay simple and correct.

Dense search is exact (one matrix-vector product) below ``ann_threshold`` documents and uses a
``usearch`` HNSW index above it when ``usearch`` is installed (exact search is kept as the
fallback, and is used whenever a filter is given).

``save(dir)`` writes ``meta.json``, ``documents.jsonl``, ``tokens.jsonl``, ``vectors.npy`` and
the built BM25 arrays (``bm25/``, bm25s' own format); ``Index.load(dir)`` restores the same
index without re-tokenising, re-embedding or re-indexing: the BM25 arrays and the vectors are
memory-mapped (shared by every process that loads the same files) and the token lists are read
only when something needs them (a change, or :meth:`doc_tokens`). Loading 10,000 demands takes
a tenth of what re-indexing them did, which is what a web worker pays when another process
changed the index. Indexes saved in format 1 (tokens inside ``documents.jsonl``, no arrays)
still load, and are re-indexed once.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from . import fusion
from .encoders import Encoder, l2_normalise
from .text import tokenize, tokenize_many

Mode = Literal["bm25", "dense", "fused"]
FORMAT_VERSION = 2
DEFAULT_ANN_THRESHOLD = 500_000  # exact numpy search is < 30 ms up to ~100k × 384 on 2 cores


@dataclass
class Document:
    """A searchable item: ``fields`` holds structured data (sector, tags, budget …)."""

    id: str
    text: str
    title: str = ""
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def full_text(self) -> str:
        """Title and text, as indexed."""
        return f"{self.title}\n{self.text}".strip() if self.title else self.text.strip()


@dataclass
class Hit:
    """One search result: the fused ``score`` and the raw scores of each retriever."""

    id: str
    score: float
    bm25: float = 0.0
    dense: float = 0.0


class _Ann:
    """Thin wrapper over a usearch HNSW index (cosine on normalised vectors)."""

    def __init__(self, vectors: np.ndarray) -> None:
        from usearch.index import Index as UIndex

        self.index = UIndex(ndim=vectors.shape[1], metric="ip", dtype="f32")
        if len(vectors):
            self.index.add(np.arange(len(vectors), dtype=np.uint64), vectors)

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        res = self.index.search(q, k)
        keys = np.asarray(res.keys, dtype=np.int64)
        sims = 1.0 - np.asarray(res.distances, dtype=np.float32)  # usearch ip distance = 1 - ip
        return keys, sims

    def nbytes(self) -> int:
        return int(getattr(self.index, "memory_usage", 0) or 0)


class Index:
    """BM25 + optional dense vectors over :class:`Document` objects."""

    def __init__(
        self,
        encoder: Encoder | None = None,
        *,
        fusion_method: str = fusion.DEFAULT_METHOD,
        alpha: float = fusion.DEFAULT_ALPHA,
        ann_threshold: int = DEFAULT_ANN_THRESHOLD,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        self.encoder = encoder
        self.fusion_method = fusion_method
        self.alpha = alpha
        self.ann_threshold = ann_threshold
        self.k1, self.b = k1, b
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._docs: list[Document] = []
        self._token_lists: list[list[str]] | None = []
        self._tokens_file: Path | None = None  # where load() left the token lists unread
        self._saved_in: Path | None = None  # a directory holding exactly this index, if any
        self._vectors: np.ndarray | None = None
        self._vector_model: str | None = None
        self._bm25 = None
        self._ann: _Ann | None = None
        self._dirty = True
        # the last mask made for a frozenset of allowed ids (callers pass the same set for
        # every query of a page or a whole index version), with that set
        self._mask_memo: tuple[frozenset, np.ndarray] | None = None

    # ------------------------------------------------------------------ contents
    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._pos

    @property
    def ids(self) -> list[str]:
        """Document ids in index order."""
        return list(self._ids)

    def get(self, doc_id: str) -> Document | None:
        """The stored document, or ``None``."""
        pos = self._pos.get(doc_id)
        return None if pos is None else self._docs[pos]

    def vector(self, doc_id: str) -> np.ndarray | None:
        """The stored embedding of a document, or ``None`` (reuse it instead of re-encoding)."""
        pos = self._pos.get(doc_id)
        if pos is None or self._vectors is None or pos >= len(self._vectors):
            return None
        return self._vectors[pos]

    @property
    def has_vectors(self) -> bool:
        """True when every document has an embedding."""
        return self._vectors is not None and len(self._vectors) == len(self._ids) > 0

    def add(
        self,
        docs: Iterable[Document],
        *,
        vectors: np.ndarray | None = None,
        tokens: Sequence[list[str]] | None = None,
    ) -> None:
        """Add or replace documents (same id → update).

        ``vectors`` / ``tokens`` may be given precomputed (same order as ``docs``); otherwise
        text is tokenised here and embedded with the encoder when there is one.
        """
        docs = list(docs)
        if not docs:
            return
        seen: set[str] = set()
        for d in docs:
            if d.id in seen:
                raise ValueError(f"duplicate id in one add(): {d.id}")
            seen.add(d.id)
        toks = list(tokens) if tokens is not None else tokenize_many([d.full_text for d in docs])
        if vectors is None and self.encoder is not None:
            vectors = self.encoder.encode([d.full_text for d in docs], kind="passage")
        if vectors is not None:
            vectors = l2_normalise(vectors)
            if len(vectors) != len(docs):
                raise ValueError("vectors and docs differ in length")
        self._read_tokens()
        self._saved_in = None
        replace = [d.id for d in docs if d.id in self._pos]
        if replace:
            self.remove(replace)
        if vectors is not None:
            if self._vectors is None:
                if self._ids:
                    raise ValueError("index has documents without vectors; rebuild with an encoder")
                self._vectors = vectors.copy()
            else:
                self._vectors = np.vstack([self._vectors, vectors])
            if self.encoder is not None:
                self._vector_model = self.encoder.name
        elif self._vectors is not None and len(self._vectors):
            raise ValueError("this index holds vectors: give vectors for new documents")
        start = len(self._ids)
        for i, (d, t) in enumerate(zip(docs, toks, strict=True)):
            self._ids.append(d.id)
            self._pos[d.id] = start + i
            self._docs.append(d)
            self._tokens.append(list(t))
        self._dirty = True

    def preload(self) -> None:
        """Read now what :meth:`load` leaves to first use (the token lists), e.g. in a
        background thread before the index is put to use."""
        self._read_tokens()

    def _read_tokens(self) -> None:
        """Read the saved token lists now: before a change moves the documents' positions."""
        self._tokens  # noqa: B018 — the property reads them

    @property
    def _tokens(self) -> list[list[str]]:
        """The token list of every document (index order), read on first use after load().

        The saved file is the one written with the documents; should it be gone (an old
        index directory pruned while this process still used it), the text is re-tokenised.
        Changes call :meth:`_read_tokens` first, so the file is always read against the
        documents it was saved with.
        """
        if self._token_lists is None:
            lists = None
            try:
                with self._tokens_file.open(encoding="utf-8") as fh:
                    lists = [json.loads(line) for line in fh]
            except (OSError, ValueError):
                pass
            if lists is None or len(lists) != len(self._docs):
                lists = tokenize_many([d.full_text for d in self._docs])
            self._token_lists = lists
        return self._token_lists

    @_tokens.setter
    def _tokens(self, value: list[list[str]]) -> None:
        self._token_lists = value

    def update(self, doc: Document) -> None:
        """Replace one document (or add it when new)."""
        self.add([doc])

    def remove(self, ids: Iterable[str]) -> int:
        """Remove documents by id; returns how many were removed."""
        drop = {self._pos[i] for i in ids if i in self._pos}
        if not drop:
            return 0
        self._read_tokens()
        self._saved_in = None
        keep = [p for p in range(len(self._ids)) if p not in drop]
        self._ids = [self._ids[p] for p in keep]
        self._docs = [self._docs[p] for p in keep]
        self._tokens = [self._tokens[p] for p in keep]
        if self._vectors is not None:
            self._vectors = self._vectors[keep] if keep else None
        self._pos = {d: i for i, d in enumerate(self._ids)}
        self._dirty = True
        return len(drop)

    # ------------------------------------------------------------------ build
    def _ensure_built(self) -> None:
        if not self._dirty:
            return
        import bm25s

        self._mask_memo = None  # positions may have moved

        if self._ids:
            retriever = bm25s.BM25(k1=self.k1, b=self.b)
            # An empty document gets the empty token so that bm25s keeps its position.
            corpus = [t if t else [""] for t in self._tokens]
            retriever.index(corpus, show_progress=False)
            self._bm25 = retriever
        else:
            self._bm25 = None
        self._build_ann()
        self._dirty = False

    def _build_ann(self) -> None:
        self._ann = None
        if self.has_vectors and len(self._ids) >= self.ann_threshold and _usearch_available():
            self._ann = _Ann(self._vectors)

    def rebuild(self) -> None:
        """Force the BM25 (and ANN) structures to be rebuilt now."""
        self._dirty = True
        self._ensure_built()

    # ------------------------------------------------------------------ scoring
    def bm25_scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document (index order) for the given query tokens."""
        self._ensure_built()
        n = len(self._ids)
        if self._bm25 is None or not query_tokens:
            return np.zeros(n, dtype=np.float32)
        tids = self._bm25.get_tokens_ids([t for t in query_tokens if t])
        if not tids:
            return np.zeros(n, dtype=np.float32)
        # Same sum as bm25s.get_scores_from_ids, but one bincount over the concatenated
        # postings instead of np.add.at per term (several times faster on large indexes).
        sc = self._bm25.scores
        indptr = sc["indptr"]
        if len(tids) == 1:
            lo, hi = indptr[tids[0]], indptr[tids[0] + 1]
            idx, val = sc["indices"][lo:hi], sc["data"][lo:hi]
        else:
            idx = np.concatenate([sc["indices"][indptr[t] : indptr[t + 1]] for t in tids])
            val = np.concatenate([sc["data"][indptr[t] : indptr[t + 1]] for t in tids])
        return np.bincount(idx, weights=val, minlength=n).astype(np.float32)

    def term_contributions(self, query_tokens: Sequence[str], doc_id: str) -> dict[str, float]:
        """Each distinct query term's BM25 contribution to ``doc_id`` (terms scoring 0 left out)."""
        self._ensure_built()
        pos = self._pos.get(doc_id)
        if pos is None or self._bm25 is None:
            return {}
        sc = self._bm25.scores
        out: dict[str, float] = {}
        for term in dict.fromkeys(query_tokens):
            tid = self._bm25.vocab_dict.get(term)
            if tid is None:
                continue
            lo, hi = sc["indptr"][tid], sc["indptr"][tid + 1]
            docs = sc["indices"][lo:hi]
            j = np.searchsorted(docs, pos)
            if j < len(docs) and docs[j] == pos:
                out[term] = out.get(term, 0.0) + float(sc["data"][lo + j]) * query_tokens.count(
                    term
                )
        return out

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of every indexed term (``log(1 + N / df)``)."""
        self._ensure_built()
        if self._bm25 is None:
            return {}
        indptr = self._bm25.scores["indptr"]
        n = len(self._ids)
        return {
            t: float(np.log1p(n / max(1, int(indptr[i + 1] - indptr[i]))))
            for t, i in self._bm25.vocab_dict.items()
            if t
        }

    def doc_tokens(self, doc_id: str) -> list[str]:
        """The index terms of a document."""
        pos = self._pos.get(doc_id)
        return [] if pos is None else list(self._tokens[pos])

    def dense_scores(self, qvec: np.ndarray) -> np.ndarray:
        """Cosine similarity of every document (index order) to a normalised query vector."""
        if not self.has_vectors:
            return np.zeros(len(self._ids), dtype=np.float32)
        return self._vectors @ np.asarray(qvec, dtype=np.float32).ravel()

    def encode_query(self, query: str) -> np.ndarray | None:
        """The query vector, or ``None`` without an encoder or vectors."""
        if self.encoder is None or not self.has_vectors:
            return None
        return self.encoder.encode([query], kind="query")[0]

    # ------------------------------------------------------------------ search
    def search(
        self,
        query: str,
        k: int = 10,
        mode: Mode = "fused",
        *,
        query_vector: np.ndarray | None = None,
        allowed: Collection[str] | None = None,
        exclude: Collection[str] = (),
        candidates: int = 100,
        query_tokens: Sequence[str] | None = None,
    ) -> list[Hit]:
        """Top ``k`` documents for ``query``.

        ``mode``: "bm25", "dense" or "fused" (falls back to BM25 when there are no vectors).
        ``query_vector`` skips encoding (e.g. precomputed). ``allowed`` restricts results to
        those ids; ``exclude`` removes ids. Fusion uses the top ``candidates`` of each list.
        ``query_tokens`` skips tokenising ``query`` when already done.
        """
        self._ensure_built()
        if not self._ids or k <= 0:
            return []
        qtok = list(query_tokens) if query_tokens is not None else tokenize(query)
        use_dense = mode in ("dense", "fused") and self.has_vectors
        qvec = None
        if use_dense:
            qvec = query_vector if query_vector is not None else self.encode_query(query)
            use_dense = qvec is not None
        if mode == "dense" and not use_dense:
            mode = "bm25"
        mask = self._mask(allowed, exclude)
        n_cand = max(candidates, k)
        bm = {}
        if mode in ("bm25", "fused"):
            bm = self._top(self.bm25_scores(qtok), n_cand, mask, positive_only=True)
        de = {}
        if use_dense and mode in ("dense", "fused"):
            de = self._dense_top(qvec, n_cand, mask)
        if mode == "bm25":
            scores = bm
        elif mode == "dense":
            scores = de
        else:
            scores = fusion.fuse(bm, de, method=self.fusion_method, alpha=self.alpha)
        return [
            Hit(self._ids[p], float(s), float(bm.get(p, 0.0)), float(de.get(p, 0.0)))
            for p, s in _best(scores, k)
        ]

    def _mask(self, allowed: Collection[str] | None, exclude: Collection[str]) -> np.ndarray | None:
        if allowed is None and not exclude:
            return None
        if isinstance(allowed, frozenset) and not exclude:
            memo = self._mask_memo
            if memo is None or memo[0] is not allowed:
                memo = self._mask_memo = (allowed, self._mask(set(allowed), exclude))
            return memo[1]
        n = len(self._ids)
        if allowed is None:
            mask = np.ones(n, dtype=bool)
        else:
            mask = np.zeros(n, dtype=bool)
            mask[[self._pos[i] for i in allowed if i in self._pos]] = True
        for i in exclude:
            p = self._pos.get(i)
            if p is not None:
                mask[p] = False
        return mask

    @staticmethod
    def _top(
        scores: np.ndarray, k: int, mask: np.ndarray | None, positive_only: bool = False
    ) -> dict[int, float]:
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        if positive_only:
            scores = np.where(scores > 0, scores, -np.inf)
        k = min(k, len(scores))
        if k <= 0:
            return {}
        part = np.argpartition(-scores, k - 1)[:k]
        return {int(p): float(scores[p]) for p in part if np.isfinite(scores[p])}

    def _dense_top(self, qvec: np.ndarray, k: int, mask: np.ndarray | None) -> dict[int, float]:
        if self._ann is not None and mask is None:
            keys, sims = self._ann.search(np.asarray(qvec, dtype=np.float32), k)
            return {int(p): float(s) for p, s in zip(keys, sims, strict=True) if p >= 0}
        return self._top(self.dense_scores(qvec), k, mask)

    def search_batch(
        self,
        queries: Sequence[str],
        k: int = 10,
        mode: Mode = "fused",
        *,
        query_vectors: np.ndarray | None = None,
        query_tokens: Sequence[list[str]] | None = None,
        candidates: int = 100,
        chunk: int = 512,
    ) -> list[list[Hit]]:
        """Search many queries at once: dense scores by blocked matrix products.

        ``query_vectors`` / ``query_tokens`` may be precomputed (same order as ``queries``).
        """
        self._ensure_built()
        nq = len(queries)
        if not self._ids:
            return [[] for _ in range(nq)]
        toks = query_tokens if query_tokens is not None else [tokenize(q) for q in queries]
        use_dense = mode in ("dense", "fused") and self.has_vectors
        if use_dense and query_vectors is None:
            if self.encoder is None:
                use_dense = False
            else:
                query_vectors = self.encoder.encode(list(queries), kind="query")
        if mode == "dense" and not use_dense:
            mode = "bm25"
        n_cand = min(max(candidates, k), len(self._ids))
        out: list[list[Hit]] = []
        for s in range(0, nq, chunk):
            e = min(nq, s + chunk)
            dense_top: list[dict[int, float]] = [{} for _ in range(e - s)]
            if use_dense and mode in ("dense", "fused"):
                sims = np.asarray(query_vectors[s:e], dtype=np.float32) @ self._vectors.T
                part = np.argpartition(-sims, n_cand - 1, axis=1)[:, :n_cand]
                vals = np.take_along_axis(sims, part, axis=1)
                dense_top = [
                    dict(zip(part[i].tolist(), vals[i].tolist(), strict=True)) for i in range(e - s)
                ]
                del sims
            for i in range(s, e):
                bm = {}
                if mode in ("bm25", "fused"):
                    bm = self._top(self.bm25_scores(toks[i]), n_cand, None, positive_only=True)
                de = dense_top[i - s]
                if mode == "bm25":
                    scores = bm
                elif mode == "dense":
                    scores = de
                else:
                    scores = fusion.fuse(bm, de, method=self.fusion_method, alpha=self.alpha)
                out.append(
                    [
                        Hit(self._ids[p], float(sc), float(bm.get(p, 0.0)), float(de.get(p, 0.0)))
                        for p, sc in _best(scores, k)
                    ]
                )
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> Path:
        """Write the index to ``directory`` (created if needed); returns the path.

        BM25 is built first, so that :meth:`load` maps the arrays instead of re-indexing.
        Write a new directory rather than over one another process may be reading: the files
        are written one after another (``meta.json`` last).
        """
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self._ensure_built()
        if self._saved_in is not None and self._saved_in.resolve() != d.resolve():
            if _link_files(self._saved_in, d):  # unchanged since: the same files again
                self._saved_in = d
                return d
        meta = {
            "format": FORMAT_VERSION,
            "count": len(self._ids),
            "fusion_method": self.fusion_method,
            "alpha": self.alpha,
            "ann_threshold": self.ann_threshold,
            "k1": self.k1,
            "b": self.b,
            "vector_model": self._vector_model,
            "dim": None if self._vectors is None else int(self._vectors.shape[1]),
            "bm25": self._bm25 is not None,
        }
        # Every file is unlinked before it is written: its old contents may be mapped by this
        # index or shared (as a link) with another version's directory.
        for name in ("documents.jsonl", "tokens.jsonl", "vectors.npy", "meta.json"):
            (d / name).unlink(missing_ok=True)
        shutil.rmtree(d / "bm25", ignore_errors=True)
        with (d / "documents.jsonl").open("w", encoding="utf-8") as fh:
            for doc in self._docs:
                # not dataclasses.asdict: it deep-copies every field, which made saving
                # 10,000 documents take seconds (the JSON is the same)
                row = {"id": doc.id, "text": doc.text, "title": doc.title, "fields": doc.fields}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        with (d / "tokens.jsonl").open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in self._tokens)
        if self._vectors is not None:
            np.save(d / "vectors.npy", self._vectors)
        if self._bm25 is not None:
            self._bm25.save(d / "bm25", show_progress=False)
        (d / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), "utf-8")
        self._saved_in = d
        return d

    @classmethod
    def load(cls, directory: str | Path, encoder: Encoder | None = None) -> Index:
        """Load an index written by :meth:`save`.

        Stored vectors are kept when they were made by the same encoder (by name), or when no
        encoder is given (then dense search needs ``query_vector``); vectors of another model
        are dropped and the index serves BM25 until :meth:`reembed`.
        """
        d = Path(directory)
        meta = json.loads((d / "meta.json").read_text("utf-8"))
        idx = cls(
            encoder,
            fusion_method=meta.get("fusion_method", fusion.DEFAULT_METHOD),
            alpha=meta.get("alpha", fusion.DEFAULT_ALPHA),
            ann_threshold=meta.get("ann_threshold", DEFAULT_ANN_THRESHOLD),
            k1=meta.get("k1", 1.2),
            b=meta.get("b", 0.75),
        )
        docs, toks = [], []
        with (d / "documents.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                toks.append(row.pop("tokens", None))
                docs.append(Document(**row))
        vectors = None
        vec_path = d / "vectors.npy"
        usable = encoder is None or encoder.name == meta.get("vector_model")
        if vec_path.exists() and usable:
            vectors = np.load(vec_path, mmap_mode="r")
            if len(vectors) != len(docs):
                raise ValueError(f"{vec_path}: {len(vectors)} vectors for {len(docs)} documents")
        if meta.get("format", 1) < 2:  # tokens inside documents.jsonl, nothing built
            idx.encoder, saved_encoder = None, idx.encoder
            idx.add(docs, vectors=None if vectors is None else np.asarray(vectors), tokens=toks)
            idx.encoder = saved_encoder
        else:
            idx._ids = [doc.id for doc in docs]
            idx._pos = {doc_id: i for i, doc_id in enumerate(idx._ids)}
            idx._docs = docs
            idx._token_lists, idx._tokens_file = None, d / "tokens.jsonl"
            idx._vectors = vectors
            idx._load_bm25(d / "bm25" if meta.get("bm25") else None)
            # the files are this index unless vectors of another model were left out
            idx._saved_in = d if (vectors is not None or not vec_path.exists()) else None
        idx._vector_model = meta.get("vector_model") if vectors is not None else None
        return idx

    def _load_bm25(self, path: Path | None) -> None:
        """Map the saved BM25 arrays; when they are missing or do not fit the documents, BM25
        is rebuilt from the tokens on first use instead."""
        import bm25s

        self._bm25, self._dirty = None, True
        if not self._ids:
            self._dirty = False
        elif path is not None and path.is_dir():
            try:
                retriever = bm25s.BM25.load(path, mmap=True, show_progress=False)
            except (OSError, ValueError, KeyError):
                return
            if int(retriever.scores.get("num_docs", -1)) == len(self._ids):
                self._bm25, self._dirty = retriever, False
        if not self._dirty:
            self._build_ann()

    def reembed(self) -> None:
        """Recompute every vector with the current encoder."""
        if self.encoder is None:
            self._vectors, self._vector_model = None, None
        else:
            self._vectors = self.encoder.encode([d.full_text for d in self._docs], kind="passage")
            self._vector_model = self.encoder.name
        self._saved_in = None
        self._dirty = True

    # ------------------------------------------------------------------ memory
    def nbytes(self) -> dict[str, int]:
        """Approximate memory held, by part, in bytes (``total`` included)."""
        self._ensure_built()
        bm = 0
        if self._bm25 is not None:
            bm = sum(v.nbytes for v in self._bm25.scores.values() if isinstance(v, np.ndarray))
            bm += sum(len(t.encode("utf-8")) + 80 for t in self._bm25.vocab_dict)
        toks = sum(56 + 8 * len(t) for t in self._tokens)  # list headers + pointers
        vec = 0 if self._vectors is None else int(self._vectors.nbytes)
        ann = self._ann.nbytes() if self._ann is not None else 0
        docs = sum(len(d.text) * 3 + len(d.title) * 3 + 200 for d in self._docs)
        parts = {"bm25": bm, "vectors": vec, "ann": ann, "tokens": toks, "documents": docs}
        parts["total"] = sum(parts.values())
        return parts


def _link_files(source: Path, target: Path) -> bool:
    """Hard-link the saved index in ``source`` into ``target`` (an unchanged index is saved
    again in no time and no space); False when that cannot be done (another file system,
    ``source`` gone), and the caller writes the files instead."""
    try:
        if not (source / "meta.json").exists():
            return False
        for path in sorted(source.rglob("*")):
            dest = target / path.relative_to(source)
            if path.is_dir():
                dest.mkdir(exist_ok=True)
                continue
            dest.unlink(missing_ok=True)
            os.link(path, dest)
    except OSError:
        return False
    return True


def _best(scores: dict[int, float], k: int) -> list[tuple[int, float]]:
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


def _usearch_available() -> bool:
    try:
        import usearch.index  # noqa: F401
    except ImportError:
        return False
    return True

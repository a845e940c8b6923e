"""Story vectors: each item's word-embedding vector, made once when it is analysed and kept in its record.

Story-finding (`compose/stories.py`) compares tellings by TF-IDF and by the cosine of WordLlama vectors of
their content (headline twice, then the text). Most of the docs a build clusters are the period's items
as a whole (the ones the report does not use, given a story id only), and their content depends on the
item alone, so its vector is made at analysis time and stored with the analysis (`ItemAnalysis.vector`).
A build then embeds only the tellings it cuts itself (`reusing`).

A stored vector is used only for exactly the text it was made from: it carries a key (a hash of the
embedding package's version and the text), so a change to how stories build their content, or a new
WordLlama, simply makes the build embed again. And before the stored vectors are trusted, one of them is
embedded afresh and must come out the same, bit for bit (WordLlama's vector of a text does not depend on
the other texts of its batch: its pooling adds padding zeros at the end of each sum).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from typing import Any

from reporter.models import Item

Embed = Callable[[list[str]], Any]  # texts → an (n, d) array of unit-length rows (as compose/stories)


@dataclass(frozen=True, slots=True)
class StoryVector:
    """An item's content vector as stored: the key of the text it was made from, and float32 bytes."""

    key: str
    data: bytes


@cache
def package_tag(package: str) -> str:
    """A package and its installed version ("wordllama-0.3.9"), for keys of what it made."""
    try:
        return f"{package}-{metadata.version(package)}"
    except metadata.PackageNotFoundError:
        return f"{package}-none"


def key(text: str, tag: str | None = None) -> str:
    """The key of a vector made from `text` by the embedding package (or by what `tag` names)."""
    return hashlib.blake2b(f"{tag or package_tag('wordllama')}\0{text}".encode(), digest_size=12).hexdigest()


def content(item: Item) -> str:
    """What story-finding embeds for a whole item (compose/stories decides it; this only asks)."""
    from reporter.compose import stories

    # The item as one of the period's other docs: its own title and text.
    doc = stories.Doc(0, item.id, item.title, item.text, item.published, relevant=False)
    return stories._content(doc)  # the one definition of a doc's content, read, not copied


def make(items: Sequence[Item], embed: Embed | None = None) -> list[StoryVector | None]:
    """Each item's story vector (None for all when no embedding model is installed)."""
    if embed is None:
        from reporter.compose import stories

        embed = stories.wordllama()
    if embed is None or not items:
        return [None] * len(items)
    import numpy as np

    texts = [content(i) for i in items]
    rows = np.asarray(embed(texts), dtype=np.float32)
    return [StoryVector(key(t), row.tobytes()) for t, row in zip(texts, rows, strict=True)]


def stored(vectors: Iterable[StoryVector | None]) -> dict[str, bytes]:
    """Key → vector bytes, for `reusing`."""
    return {v.key: v.data for v in vectors if v is not None}


@dataclass(slots=True)
class Known:
    """Vectors by key a build may reuse, where to look up more, and the ones it made (to keep).

    Story vectors and near-copy signatures alike: the key names the text and the library that made it.
    """

    vectors: dict[str, bytes]  # key → bytes: the items' records'
    lookup: Callable[[Sequence[str]], Mapping[str, bytes]] | None = None  # earlier builds' tellings
    made: dict[str, bytes] = field(default_factory=dict)  # made by this build

    def __contains__(self, key: str) -> bool:
        return key in self.made or key in self.vectors

    def find(self, keys: Sequence[str]) -> None:
        """Ask `lookup` (once) for the keys not held yet."""
        missing = [k for k in dict.fromkeys(keys) if k not in self]
        if missing and self.lookup is not None:
            self.vectors.update(self.lookup(missing))

    def keep(self, keys: Sequence[str], rows: Any) -> None:
        """Hold what this build made (one row per key), to be stored for the next build."""
        self.made.update((k, row.tobytes()) for k, row in zip(keys, rows, strict=True))

    def rows(self, keys: Sequence[str], dtype: Any) -> Any:
        """The held vectors of these keys, one row each, as an array of `dtype`."""
        import numpy as np

        data = b"".join(self.made.get(k) or self.vectors[k] for k in keys)
        return np.frombuffer(data, dtype=dtype).reshape(len(keys), -1).copy()


def reusing(load: Callable[[], Embed | None], known: Known | Mapping[str, bytes]) -> Embed:
    """An embed function that takes a text's vector from `known` when it has one, and embeds the rest.

    The model is loaded (`load`, once) only when some text has no known vector, so a rebuild whose
    vectors are all stored never loads it. When it is loaded, one known text is embedded afresh as a
    check; if its vector differs (another model), none is reused. What it embeds lands in `known.made`.
    """
    import numpy as np

    book = known if isinstance(known, Known) else Known(dict(known))

    @cache
    def model() -> Embed:
        embed = load()
        if embed is None:
            raise RuntimeError("the story embedding model could not be loaded (is wordllama installed?)")
        return embed

    def embedded(texts: list[str]) -> Any:
        return np.asarray(model()(texts), dtype=np.float32)

    def run(texts: list[str]) -> Any:
        keys = [key(t) for t in texts]
        book.find(keys)
        hits = [i for i, k in enumerate(keys) if k in book]
        fresh_at = [i for i, k in enumerate(keys) if k not in book]
        if not hits:
            rows = embedded(texts)
            book.keep(keys, rows)
            return rows
        if fresh_at:
            probe = hits[0]
            fresh = embedded([texts[i] for i in (*fresh_at, probe)])
            if fresh[-1].tobytes() != book.rows([keys[probe]], np.float32).tobytes():
                rows = embedded(texts)  # another model made the known ones: none is reused
                book.keep(keys, rows)
                return rows
            book.keep([keys[i] for i in fresh_at], fresh[:-1])
        return book.rows(keys, np.float32)

    return run

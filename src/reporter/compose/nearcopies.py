"""Near-duplicate passages and stories told by several outlets, found by MinHash (datasketch).

Each passage gets a MinHash signature of its word 3-shingles (shingles hashed with CRC-32, deterministic
and in C, rather than datasketch's default SHA-1, which was most of the cost). Passages are taken in
order; one whose estimated Jaccard similarity with a story's representative (the story's first passage)
reaches the threshold, from another item, joins that story, otherwise it starts one. Passages of one item
are never merged with each other (they are different parts of one document). The passages are a
report's relevant tellings (hundreds), so each is compared with every representative in one array
operation; an LSH index would only pay off for far more, and it misses some pairs above the threshold.
Signatures are kept by key like story vectors (`nlp/storyvectors.Known`), so a rebuild reads them.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reporter.nlp import storyvectors

SHINGLE = 3
NUM_PERM = 64
THRESHOLD = 0.5
CHUNK = 1024
_TOKEN_RE = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Doc:
    """What deduplication needs to know of a passage."""

    key: int  # the caller's index for the passage
    item_id: str
    text: str


def shingles(text: str, k: int = SHINGLE) -> set[bytes]:
    """The set of k-word shingles of a text, lower-cased, punctuation dropped."""
    tokens = _TOKEN_RE.findall(text.lower())
    if len(tokens) < k:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i : i + k]).encode() for i in range(len(tokens) - k + 1)}


def key(text: str, num_perm: int = NUM_PERM) -> str:
    """The key of a text's MinHash signature, as made by the installed datasketch (kept like vectors)."""
    return storyvectors.key(text, tag=f"{storyvectors.package_tag('datasketch')}-minhash-{num_perm}-crc32")


def signatures(texts: Sequence[str], num_perm: int = NUM_PERM) -> Any:
    """Each text's MinHash signature (datasketch, shingles hashed with CRC-32): an (n, num_perm) array."""
    import numpy as np
    from datasketch import MinHash

    out = np.empty((len(texts), num_perm), dtype=np.uint64)
    for offset in range(0, len(texts), CHUNK):
        chunk = texts[offset : offset + CHUNK]
        hashes = MinHash.bulk([shingles(t) for t in chunk], num_perm=num_perm, hashfunc=zlib.crc32)
        for n, mh in enumerate(hashes):
            out[offset + n] = mh.hashvalues
    return out


def clusters(
    docs: Sequence[Doc],
    *,
    threshold: float = THRESHOLD,
    num_perm: int = NUM_PERM,
    known: storyvectors.Known | None = None,
) -> list[list[int]]:
    """Group near-duplicate passages into stories; each group lists keys in input order.

    `known`: signatures made before (by key), reused, and where the ones made now are added.
    """
    import numpy as np

    sigs = _signed([d.text for d in docs], num_perm, known)
    # No words, no shingles: its MinHash is empty and matches nothing.
    empty = [_TOKEN_RE.search(d.text.lower()) is None for d in docs]
    groups: dict[int, list[int]] = {}
    reps = np.empty((len(docs), num_perm), dtype=np.uint64)
    rep_keys: list[int] = []
    rep_items: list[str] = []
    for doc, sig, blank in zip(docs, sigs, empty, strict=True):
        home = None
        if not blank and rep_keys:
            # The estimated Jaccard of the signatures, against every story's representative.
            similar = np.count_nonzero(reps[: len(rep_keys)] == sig, axis=1) / num_perm >= threshold
            for at in sorted(np.flatnonzero(similar), key=lambda a: rep_keys[a]):
                if rep_items[at] != doc.item_id:
                    home = rep_keys[at]
                    break
        if home is not None:
            groups[home].append(doc.key)
            continue
        groups[doc.key] = [doc.key]
        if not blank:
            reps[len(rep_keys)] = sig
            rep_keys.append(doc.key)
            rep_items.append(doc.item_id)
    return list(groups.values())


def _signed(texts: list[str], num_perm: int, known: storyvectors.Known | None) -> Any:
    """The texts' signatures: known ones read, the rest made (and added to `known.made`)."""
    import numpy as np

    if known is None:
        return signatures(texts, num_perm)
    keys = [key(t, num_perm) for t in texts]
    known.find(keys)
    fresh = [i for i, k in enumerate(keys) if k not in known]
    if fresh:
        known.keep([keys[i] for i in fresh], signatures([texts[i] for i in fresh], num_perm))
    return known.rows(keys, np.uint64)

"""Near-duplicate passages and stories told by several outlets, found with MinHash/LSH (datasketch).

Each passage gets a MinHash of its word 3-shingles. The LSH index holds one representative per story
found so far; a passage that hits a representative from another item joins that story, otherwise it
becomes a new representative. Passages of one item are never merged with each other (they are
different parts of one document). Only representatives are indexed, so a thousand copies of one wire
story cost a thousand queries against one bucket, not a million comparisons. Shingles are hashed with
CRC-32 (deterministic, in C) rather than datasketch's default SHA-1, which was most of the cost.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

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


def clusters(
    docs: Sequence[Doc], *, threshold: float = THRESHOLD, num_perm: int = NUM_PERM
) -> list[list[int]]:
    """Group near-duplicate passages into stories; each group lists keys in input order."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    groups: dict[int, list[int]] = {}
    reps: dict[int, tuple[str, MinHash]] = {}
    # Shingles and MinHashes are made a chunk at a time and only representatives' are kept, so memory
    # follows the number of stories, not the number of passages times their length.
    for offset in range(0, len(docs), CHUNK):
        chunk = docs[offset : offset + CHUNK]
        hashes = MinHash.bulk([shingles(d.text) for d in chunk], num_perm=num_perm, hashfunc=zlib.crc32)
        for doc, mh in zip(chunk, hashes, strict=True):
            home = None
            if not mh.is_empty():
                # A candidate is confirmed by its estimated Jaccard; LSH alone lets some false pairs in.
                for rep in sorted(int(k) for k in lsh.query(mh)):
                    rep_item, rep_mh = reps[rep]
                    if rep_item != doc.item_id and mh.jaccard(rep_mh) >= threshold:
                        home = rep
                        break
            if home is not None:
                groups[home].append(doc.key)
                continue
            groups[doc.key] = [doc.key]
            if not mh.is_empty():
                reps[doc.key] = (doc.item_id, mh)
                lsh.insert(str(doc.key), mh)
    return list(groups.values())

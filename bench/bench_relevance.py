"""Build-time relevance: what judging every passage of a month costs, against the raw regex work it does.

Run: .venv/bin/python bench/bench_relevance.py [--corpus PATH] → prints a markdown table, writes
docs/bench/relevance.md. Reads every distinct October 2023 entry of the corpus (default
../shared/corpus/feeds-2023-10, or REPORTER_CORPUS) and analyses them once (not timed: that is the stored
analysis). Then times, in one run: judging every passage for the Japan report; placing and judging every
item (what a build does per report); and the floor: the same compiled topic patterns run over the same
passage texts with nothing else (`re.finditer`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from support import write_result

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "bench" / "relevance.md"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "feeds-2023-10"
REPEAT = 3


def items(corpus: Path) -> list:
    """One Item per distinct entry link of the corpus, as the feed parser would give it."""
    from reporter.models import RawEntry
    from reporter.normalize import normalize

    now = datetime(2023, 11, 1, tzinfo=UTC)
    seen: dict[str, object] = {}
    for path in sorted((corpus / "entries").glob("*/*/*/*_entries.json")):
        for e in json.loads(path.read_text(encoding="utf-8")):
            if e.get("link") in seen:
                continue
            published = datetime.fromisoformat(e["date_published"]) if e.get("date_published") else None
            raw = RawEntry(source=path.name, kind="feed", content=e.get("description") or "",
                           content_type="text/html", title=e.get("title"), link=e["link"],
                           outlet=e.get("album"), published=published, fetched_at=now,
                           date_source="published" if published else None)  # fmt: skip
            seen[e["link"]] = normalize(raw, now=now)
    return list(seen.values())


def best(fn) -> float:
    """The fastest of REPEAT runs, in seconds."""
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    """Analyse once, then time placement with and without relevance, and the regex floor."""
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--corpus", type=Path, default=Path(os.environ.get("REPORTER_CORPUS", DEFAULT_CORPUS))
    )
    corpus = parser.parse_args().corpus
    if not (corpus / "entries").is_dir():
        print(f"no corpus at {corpus} (set --corpus or REPORTER_CORPUS)", file=sys.stderr)
        return 1
    sys.path.insert(0, str(ROOT / "bench"))
    from eval_march2024 import japan_report
    from reporter.nlp.analyze import Analyzer
    from reporter.nlp.placing import Placer

    spec = japan_report()
    entries = items(corpus)
    analyzer = Analyzer.create()
    pairs = list(zip(entries, analyzer.read(entries), strict=True))
    placer = Placer(analyzer.placer._gazetteer)
    rules = placer.relevance(spec)
    placed = list(placer.place_all(pairs, spec))
    passages = [(a.item, p) for a in placed for p in a.passages]
    texts = [f"{item.title}\n{p.text}" if p.index == 0 else p.text for item, p in passages]
    vocabulary = rules.vocabulary
    sets = [*vocabulary.relations, *vocabulary.off_topic, vocabulary.state, vocabulary.outward]

    def floor() -> None:
        for text in texts:
            low = text.lower()
            for s in sets:
                if s.folded is not None:
                    list(s.folded.finditer(low))
                if s.cased is not None:
                    list(s.cased.finditer(text))

    def judge() -> None:
        for item, p in passages:
            rules.judge(p, item)

    t_floor, t_judge = best(floor), best(judge)
    t_place = best(lambda: list(placer.place_all(pairs, spec)))
    relevant = sum(1 for _, p in passages if p.relevant)
    rows = [
        ("the raw regex work: every topic pattern over every passage", t_floor, 1.0),
        ("relevance.judge over every passage (stops at the rule that decides)", t_judge, t_judge / t_floor),
        ("placing and judging every item (a build's share)", t_place, t_place / t_floor),
    ]
    lines = [
        "# Relevance at build time (bench/bench_relevance.py)",
        "",
        f"{len(entries):,} October 2023 entries, {len(passages):,} passages ({relevant} relevant to the "
        f"Japan report), {sum(len(s.terms) for s in sets)} vocabulary terms in {len(sets)} topics. "
        f"Best of {REPEAT}; {datetime.now(UTC):%Y-%m-%d}, load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores. Judging costs less than the raw regex work because a passage that does "
        "not name the subject is decided before any vocabulary is searched.",
        "",
        "| work | seconds | per passage | ÷ floor |",
        "|---|---:|---:|---:|",
        *(
            f"| {name} | {t:.3f} | {t / len(passages) * 1e6:.0f} µs | {ratio:.2f}× |"
            for name, t, ratio in rows
        ),
        "",
    ]
    text = "\n".join(lines)
    write_result(OUT, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

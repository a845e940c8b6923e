"""Measure the analyzer on the March 2024 report (seed 004) against the hand-labelled gold file.

Run: .venv/bin/python bench/eval_march2024.py   → prints a markdown table, writes docs/bench/eval.md.
Section accuracy counts `also_ok`; date is the passage's day-level attribution date (None for journal
issues); outlet and author compare the attribution with the gold labels.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "004_8f143e0452b9bb7c.txt"
GOLD_CANDIDATES = (
    ROOT.parent / "shared" / "eval" / "march2024_sections.jsonl",
    ROOT / "shared/eval/march2024_sections.jsonl",
)
OUT = ROOT / "docs" / "bench" / "eval.md"
TARGETS = {"section": 0.90, "date": 0.95, "outlet": 0.95, "author": 0.85}


def japan_report():
    """The Japan report's spec, read from feeds.yaml without the rest of the configuration."""
    import yaml

    from reporter.models import ReportSpec, Section

    data = yaml.safe_load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
    report = next(r for r in data["reports"] if r["slug"] == "japan")
    return ReportSpec(
        slug="japan",
        subject=report["subject"],
        subject_name="Japan",
        title=report["title"],
        sections=tuple(
            Section(s["name"], tuple(s.get("members", ())), overview=s["name"] == "Overview")
            for s in report["sections"]
        ),
    )


def seed_item():
    """Seed 004 as an Item dated March 2024 (month precision), as its title says."""
    from reporter.models import Item

    text = SEED.read_text(encoding="utf-8")
    return Item(
        id="seed-004",
        source="seeds",
        kind="seed",
        published=datetime(2024, 3, 1, tzinfo=UTC),
        date_source="title",
        date_precision="month",
        outlet=None,
        title=text.split("\n", 1)[0].strip(),
        text=text,
        path=SEED.name,
    )


def evaluate(analyzer=None) -> dict:
    """Score one run; returns the per-field accuracies and the rows that missed."""
    from reporter.nlp.analyze import Analyzer

    gold_path = next(p for p in GOLD_CANDIDATES if p.exists())
    gold = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    analyzer = analyzer or Analyzer.create()
    started = time.perf_counter()
    analysis = analyzer.analyze_one(seed_item(), japan_report())
    elapsed = time.perf_counter() - started
    hits = {k: 0 for k in TARGETS}
    misses: list[str] = []
    for row in gold:
        passage = next((p for p in analysis.passages if p.text.startswith(row["starts_with"])), None)
        if passage is None:
            misses.append(f"| {row['para_index']} | (no passage) | {row['starts_with'][:40]} |")
            continue
        a = passage.attribution
        got_date = a.date.isoformat() if a.date and a.date_precision == "day" else None
        got_author = a.authors[0] if a.authors else None
        checks = {
            "section": passage.section == row["section"] or passage.section in row["also_ok"],
            "date": got_date == row["date"],
            "outlet": a.outlet == row["outlet"],
            "author": got_author == row["author"],
        }
        for key, ok in checks.items():
            hits[key] += ok
        wrong = [k for k, ok in checks.items() if not ok]
        if wrong:
            detail = {
                "section": f"{passage.section} (gold {row['section']})",
                "date": f"{got_date} (gold {row['date']})",
                "outlet": f"{a.outlet} (gold {row['outlet']})",
                "author": f"{got_author} (gold {row['author']})",
            }
            misses.append(
                f"| {row['para_index']} | {'; '.join(detail[k] for k in wrong)} | {row['starts_with'][:40]} |"
            )
    n = len(gold)
    return {
        "n": n,
        "scores": {k: hits[k] / n for k in TARGETS},
        "misses": misses,
        "model": analyzer.model_name,
        "seconds": elapsed,
        "date": date.today().isoformat(),
    }


def markdown(result: dict) -> str:
    """The result as the markdown written to docs/bench/eval.md."""
    lines = [
        "# Analyzer accuracy on the March 2024 report",
        "",
        f"Seed 004 ({result['n']} labelled paragraphs), model `{result['model']}`, "
        f"analysed in {result['seconds']:.2f} s. Produced by `bench/eval_march2024.py` on {result['date']}.",
        "",
        "| measure | accuracy | target | met |",
        "|---|---|---|---|",
    ]
    for key, target in TARGETS.items():
        score = result["scores"][key]
        lines.append(f"| {key} | {score:.1%} | ≥ {target:.0%} | {'yes' if score >= target else 'NO'} |")
    lines += ["", "Section accuracy counts the gold file's `also_ok` alternatives.", ""]
    if result["misses"]:
        lines += [
            "## Misses",
            "",
            "| para | got (gold) | starts with |",
            "|---|---|---|",
            *result["misses"],
            "",
        ]
    return "\n".join(lines)


def main() -> int:
    """Run the evaluation, print the table and write docs/bench/eval.md."""
    result = evaluate()
    text = markdown(result)
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    met = all(result["scores"][k] >= t for k, t in TARGETS.items())
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

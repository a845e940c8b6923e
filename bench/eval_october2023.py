"""Score the October 2023 report against the labelled development set (bench/data/october2023/labels.jsonl).

Run: .venv/bin/python bench/eval_october2023.py [--report REPORT.json] [--out DIR] [--no-write]
Without --report it builds October first with the replay (bench/october.py, into --out or a temporary
folder). Prints a markdown table and writes docs/bench/eval_october2023.md (unless --no-write).
Method: docs/evaluation.md. Relevance and sections are scored per labelled entry, joined by canonical URL
(else title) with the report's `decisions` rows; stories by B-cubed over the story set (every entry of a
labelled story of two or more entries, and every relevant entry).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from october_checks import LabelIndex, canonical, load_labels, structural_checks, title_key  # noqa: E402

OUT = ROOT / "docs" / "bench" / "eval_october2023.md"
TARGETS = {"precision": 0.90, "recall": 0.85, "section": 0.90, "bcubed_f1": 0.85}
EXAMPLES = 8
# The held-out slice: rules and thresholds are tuned on the entries published before it, and its figures
# are reported apart, as a first check that what was tuned is not October's first three weeks alone.
HELD_OUT_FROM = date(2023, 10, 25)


def decisions_of(report: Mapping) -> tuple[list[dict], str]:
    """The report's decision rows, and where they came from (its `decisions`, or derived for older JSON)."""
    if isinstance(report.get("decisions"), list):
        return list(report["decisions"]), "decisions"
    rows: list[dict] = []
    for section in report.get("sections", []):
        for p in section.get("paragraphs", []):
            # Before `decisions`, a paragraph's item is its own story; its "also reported by" are outlets.
            rows.append({"item_id": p.get("item_id"), "url": p.get("url"), "title": p.get("title"),
                         "relevant": True, "section": section["name"], "story": p.get("item_id"),
                         "placement": "paragraph", "reason": "cited"})  # fmt: skip
    for x in report.get("left_out", []):
        relevant = x.get("reason") not in ("not relevant", "out of period")
        rows.append({"item_id": x.get("item_id"), "url": None, "title": x.get("title"),
                     "relevant": relevant, "section": None, "story": None,
                     "placement": "left out", "reason": x.get("reason")})  # fmt: skip
    return rows, "derived from paragraphs and left_out (no `decisions` in this JSON)"


def join(labels: list[dict], rows: list[dict]) -> list[tuple[dict, dict | None]]:
    """Each label with the report's row for the same entry (None when the build did not consider it).

    By canonical URL, else by title: an entry the pipeline merged into another item at ingest (the same
    story under two URLs) is found by its title.
    """
    by_url: dict[str | None, dict] = {}
    by_title: dict[str, dict] = {}
    for row in rows:
        by_url.setdefault(canonical(row.get("url")), row)
        by_title.setdefault(title_key(row.get("title")), row)
    by_url.pop(None, None)
    return [(x, by_url.get(canonical(x["url"])) or by_title.get(title_key(x["title"]))) for x in labels]


def bcubed(gold: Mapping[str, str], got: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of clustering `got` against `gold` (both: element → cluster)."""
    by_gold, by_got = defaultdict(set), defaultdict(set)
    for e, c in gold.items():
        by_gold[c].add(e)
    for e, c in got.items():
        by_got[c].add(e)
    if not gold:
        return 0.0, 0.0, 0.0
    precision = recall = 0.0
    for e in gold:
        mine, theirs = by_got[got[e]], by_gold[gold[e]]
        both = len(mine & theirs)
        precision += both / len(mine)
        recall += both / len(theirs)
    p, r = precision / len(gold), recall / len(gold)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def story_scores(pairs: list[tuple[dict, dict | None]], relevant_only: bool) -> dict:
    """B-cubed over the story set; an entry without a story in the report is a cluster of its own."""
    sizes: dict[str, int] = defaultdict(int)
    for label, _ in pairs:
        if label.get("story"):
            sizes[label["story"]] += 1
    gold, got = {}, {}
    for label, row in pairs:
        key = label["url"]
        in_set = (
            label["relevant"]
            if relevant_only
            else (sizes.get(label.get("story"), 0) >= 2 or label["relevant"])
        )
        if not in_set:
            continue
        gold[key] = label.get("story") or f"gold:{key}"
        got[key] = (row or {}).get("story") or f"none:{key}"
    p, r, f = bcubed(gold, got)
    clustered = sum(1 for k in got if not got[k].startswith("none:"))
    return {"n": len(gold), "with_story": clustered, "precision": p, "recall": r, "f1": f}


def errors(pairs: list[tuple[dict, dict | None]]) -> dict[str, list[str]]:
    """Examples of each kind of error, for the people fixing them."""
    out: dict[str, list[str]] = defaultdict(list)
    for label, row in pairs:
        got = bool(row and row.get("relevant"))
        if got and not label["relevant"]:
            out["false positives"].append(
                f"[{label['topic']}] {label['title']} → {row.get('section')} ({row.get('reason', '')[:80]})"
            )
        elif label["relevant"] and not got:
            why = "not in the report's rows" if row is None else (row.get("reason") or "")[:80]
            out["false negatives"].append(f"{label['title']} (gold {label['section']}; {why})")
        elif got and label["relevant"] and not _section_ok(label, row):
            out["wrong sections"].append(f"{label['title']}: {row.get('section')} (gold {label['section']})")
    by_gold, by_got = defaultdict(set), defaultdict(set)
    for label, row in pairs:
        if label.get("story") and row and row.get("story"):
            by_gold[label["story"]].add(row["story"])
            by_got[row["story"]].add(label["story"])
    for story, theirs in sorted(by_gold.items()):
        if len(theirs) > 1:
            out["split stories"].append(f"{story}: {len(theirs)} stories in the report")
    for theirs, golds in sorted(by_got.items(), key=lambda kv: -len(kv[1])):
        if len(golds) > 1:
            out["merged stories"].append(f"{theirs}: {', '.join(sorted(golds)[:4])}")
    return out  # fmt: skip


def _confusion(pairs: list[tuple[dict, dict | None]]) -> tuple[int, int, int]:
    """True positives, false positives and false negatives of relevance."""
    tp = sum(1 for x, r in pairs if x["relevant"] and r and r.get("relevant"))
    fp = sum(1 for x, r in pairs if not x["relevant"] and r and r.get("relevant"))
    fn = sum(1 for x, r in pairs if x["relevant"] and not (r and r.get("relevant")))
    return tp, fp, fn


def _section_ok(label: dict, row: dict) -> bool:
    return row.get("section") == label["section"] or row.get("section") in label.get("also_ok", [])


def held_out(label: Mapping) -> bool:
    """Whether a label is in the held-out slice (published on or after HELD_OUT_FROM)."""
    return date.fromisoformat(label["published"][:10]) >= HELD_OUT_FROM


def slice_scores(pairs: list[tuple[dict, dict | None]]) -> dict:
    """Relevance, section and story figures of a slice of the labels (stories within the slice)."""
    tp, fp, fn = _confusion(pairs)
    both = [(x, r) for x, r in pairs if x["relevant"] and r and r.get("relevant")]
    return {
        "n": len(pairs),
        "relevant": sum(1 for x, _ in pairs if x["relevant"]),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "section": sum(1 for x, r in both if _section_ok(x, r)) / len(both) if both else 0.0,
        "stories": story_scores(pairs, relevant_only=False),
    }


def evaluate(report_path: Path, timings: Mapping | None = None) -> dict:
    """Score one report JSON (with its PDF beside it) against the labels."""
    report = json.loads(report_path.read_text(encoding="utf-8"))
    labels = load_labels()
    rows, source = decisions_of(report)
    pairs = join(labels, rows)
    slices = {
        "tuning": slice_scores([(x, r) for x, r in pairs if not held_out(x)]),
        "held out": slice_scores([(x, r) for x, r in pairs if held_out(x)]),
    }
    tp, fp, fn = _confusion(pairs)
    clear = [(x, r) for x, r in pairs if not x.get("borderline")]
    ctp, cfp, cfn = _confusion(clear)
    both = [(x, r) for x, r in pairs if x["relevant"] and r and r.get("relevant")]
    section_hits = sum(1 for x, r in both if _section_ok(x, r))
    checks = structural_checks(report, report_path.with_suffix(".pdf"), LabelIndex(labels))
    return {
        "report": str(report_path),
        "source": source,
        "labels": len(labels),
        "relevant_labels": sum(1 for x in labels if x["relevant"]),
        "joined": sum(1 for _, r in pairs if r is not None),
        "rows": len(rows),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "counts": {"tp": tp, "fp": fp, "fn": fn},
        "clear": {
            "n": len(clear),
            "precision": ctp / (ctp + cfp) if ctp + cfp else 0.0,
            "recall": ctp / (ctp + cfn) if ctp + cfn else 0.0,
        },
        "section": section_hits / len(both) if both else 0.0,
        "section_n": len(both),
        "stories": story_scores(pairs, relevant_only=False),
        "stories_relevant": story_scores(pairs, relevant_only=True),
        "slices": slices,
        "checks": checks,
        "errors": errors(pairs),
        "timings": timings,
        "date": date.today().isoformat(),
    }


def _met(value: float, key: str) -> str:
    return "yes" if value >= TARGETS[key] else "NO"


def markdown(result: dict) -> str:
    """The result as the markdown written to docs/bench/eval_october2023.md."""
    s, sr, c = result["stories"], result["stories_relevant"], result["counts"]
    lines = [
        "# October 2023: relevance, sections, stories and the report's shape (bench/eval_october2023.py)",
        "",
        f"{result['labels']} labelled entries ({result['relevant_labels']} relevant), "
        f"{result['joined']} found among the report's {result['rows']} rows ({result['source']}). "
        f"Produced on {result['date']}; method in docs/evaluation.md.",
        "",
        "| measure | value | target | met |",
        "|---|---|---|---|",
        f"| relevance precision ({c['tp']} TP, {c['fp']} FP) | {result['precision']:.3f} | ≥ 0.90 | "
        f"{_met(result['precision'], 'precision')} |",
        f"| relevance recall ({c['fn']} FN) | {result['recall']:.3f} | ≥ 0.85 | "
        f"{_met(result['recall'], 'recall')} |",
        f"| relevance P / R without the {result['labels'] - result['clear']['n']} borderline labels | "
        f"{result['clear']['precision']:.3f} / {result['clear']['recall']:.3f} | | |",
        f"| section accuracy (alternatives counted; {result['section_n']} entries) | {result['section']:.3f} "
        f"| ≥ 0.90 | {_met(result['section'], 'section')} |",
        f"| story B-cubed P / R / F1 ({s['n']} entries, {s['with_story']} with a story id) | "
        f"{s['precision']:.3f} / {s['recall']:.3f} / **{s['f1']:.3f}** | F1 ≥ 0.85 | "
        f"{_met(s['f1'], 'bcubed_f1')} |",
        f"| story B-cubed P / R / F1, relevant entries only ({sr['n']}) | "
        f"{sr['precision']:.3f} / {sr['recall']:.3f} / {sr['f1']:.3f} | | |",
    ]
    for check in result["checks"]:
        lines.append(f"| {check.name} | {check.value} | | {'yes' if check.ok else 'NO'} |")
    if result.get("slices"):
        lines += [
            "",
            f"Held-out slice: the rules were tuned on the entries published before {HELD_OUT_FROM:%B %d}; "
            "the entries from then on were checked apart (stories scored within each slice).",
            "",
            "| slice | entries (relevant) | precision | recall | section | story B-cubed F1 |",
            "|---|---|---|---|---|---|",
        ]
        for name, x in result["slices"].items():
            lines.append(
                f"| {name} | {x['n']} ({x['relevant']}) | {x['precision']:.3f} | {x['recall']:.3f} | "
                f"{x['section']:.3f} | {x['stories']['f1']:.3f} ({x['stories']['n']} entries) |"
            )
    t = result.get("timings")
    if t:
        total, days = t["ingest"]["seconds"] + t["build"]["seconds"], len(t["ingest"]["days"])
        stages = {k: v for k, v in t["stages"].items() if k != "build total"}
        share = ", ".join(f"{k} {v:.1f} s ({v / total:.0%})" for k, v in stages.items())
        lines += [
            "",
            f"Build from the replay: ingest of {days} days {t['ingest']['seconds']:.1f} s, "
            f"`reporter build` {t['build']['seconds']:.1f} s (peak RSS {t['build']['peak_rss_mb']:.0f} MB; "
            f"ingest process {t['ingest']['peak_rss_mb']:.0f} MB). Time by stage: {share}.",
        ]
        if t.get("load_average"):
            lines[-1] += (
                " Load average (1, 5, 15 min) at the end of the run: "
                + ", ".join(f"{x:.1f}" for x in t["load_average"])
                + f" on {os.cpu_count()} CPUs."
            )
        if t.get("floor"):
            f = t["floor"]
            lines += [
                "",
                "Floor (the raw libraries doing the same work, timed in the run of the build it divides): "
                "spaCy load + `nlp.pipe` of every item "
                f"the build read + WeasyPrint of the same HTML, {f['seconds']:.1f} s, "
                f"peak {f['peak_rss_mb']:.0f} MB. "
                f"**Build ÷ floor: {f.get('build_seconds', t['build']['seconds']) / f['seconds']:.2f}×** "
                "wall time" + (f" ({f['note']})." if f.get("note") else "."),
            ]
    for kind, items in result["errors"].items():
        lines += ["", f"## {kind.capitalize()} ({len(items)})", "", *[f"- {x}" for x in items[:EXAMPLES]]]
    failing = [ch for ch in result["checks"] if ch.examples]
    for check in failing:
        lines += ["", f"## {check.name}", "", *[f"- {x}" for x in check.examples]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Build October (or read --report), score it, print and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", type=Path, help="a built report's JSON (its PDF beside it)")
    parser.add_argument("--out", type=Path, help="where to build October (default: a temporary folder)")
    parser.add_argument("--corpus", help="the corpus folder (see bench/october.py)")
    parser.add_argument("--no-floor", action="store_true", help="do not time the raw libraries' floor")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write docs/bench/")
    args = parser.parse_args(argv)
    timings = None
    if args.report:
        report = args.report
        beside = report.parents[3] / "timings.json" if len(report.parents) > 3 else None
        timings = json.loads(beside.read_text()) if beside and beside.exists() else None
    else:
        import october

        out = args.out or Path(tempfile.mkdtemp(prefix="october2023-"))
        timings = october.run(out.resolve(), october.corpus_dir(args.corpus), with_floor=not args.no_floor)
        report = october.report_path(out.resolve(), "json")
    result = evaluate(report, timings)
    text = markdown(result)
    print(text)
    if not args.no_write:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(text, encoding="utf-8")
    met = all(result[k] >= TARGETS[k] for k in ("precision", "recall", "section"))
    return 0 if met and result["stories"]["f1"] >= TARGETS["bcubed_f1"] else 1


if __name__ == "__main__":
    sys.exit(main())

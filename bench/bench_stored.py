"""Benchmark stored analysis (issue 13): rebuilds that read, a first analysis on every core, many reports.

Run: nice .venv/bin/python bench/bench_stored.py [--month 5000] [--profiles 50]
Prints a markdown table and writes docs/bench/stored.md. Items are synthetic news (generated here from
templates, varied by a seeded RNG; no corpus text), stored as one feed in a SQLite store.

- Rebuild: a month of `--month` stored, already analysed items, `reporter build --force --no-ingest -f json`
  run as a command (a fresh process: imports, configuration, store, compose, render), and the same build
  in-process split into its stages.
- First analysis: the same items' text through the stage (worker processes, one per core, each running
  the whole analyzer, records stored) against raw single-process `nlp.pipe` of the same model on the
  same text, in the same run.
- Many reports: `--profiles` report profiles (different subjects) over the same stored items, each
  built once in one process. Without stored analysis every one of them would analyse the window; the
  ratio is (first analysis + every build) ÷ (first analysis + one build).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
OUT = ROOT / "docs" / "bench" / "stored.md"

_PLACES = [
    ("Japan", "Tokyo"), ("China", "Beijing"), ("South Korea", "Seoul"), ("the United States", "Washington"),
    ("India", "New Delhi"), ("Australia", "Canberra"), ("Russia", "Moscow"), ("Vietnam", "Hanoi"),
    ("the Philippines", "Manila"), ("Indonesia", "Jakarta"), ("Germany", "Berlin"), ("France", "Paris"),
    ("Brazil", "Brasilia"), ("Nigeria", "Abuja"), ("Canada", "Ottawa"), ("Mexico", "Mexico City"),
    ("Turkey", "Ankara"), ("Egypt", "Cairo"), ("Kenya", "Nairobi"), ("Argentina", "Buenos Aires"),
]  # fmt: skip
_TOPICS = ["trade", "security", "energy", "climate", "fisheries", "semiconductor", "tourism", "defence"]
_VERBS = ["discussed", "signed an agreement on", "held talks on", "announced new measures on", "criticised"]
_OUTLETS = ["Wire Service", "Daily Courier", "Global Times Review", "Morning Ledger", "Asia Monitor"]


def rss_mb() -> float:
    """Resident set size of this process, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def news_item(i: int, rng: random.Random, day: date):
    """One synthetic news item: a headline and 2-5 paragraphs about two or three countries."""
    from reporter.models import Item

    a, b, c = rng.sample(_PLACES, 3)
    topic = rng.choice(_TOPICS)
    title = (
        f"{a[0].removeprefix('the ').title()} and {b[0].removeprefix('the ')} {rng.choice(_VERBS)} {topic}"
    )
    paragraphs = []
    for j in range(rng.randint(2, 5)):
        month = day.strftime("%B")
        paragraphs.append(
            f"{a[1].upper()} — Officials from {a[0]} and {b[0]} {rng.choice(_VERBS)} {topic} on {month} "
            f"{max(1, day.day - j)}, the ministry said in a statement issued in {a[1]}. "
            f"The talks, the {rng.randint(2, 19)}th round since {rng.randint(2001, 2022)}, also touched on "
            f"{c[0]}'s role in the region and plan {i}-{j}-{rng.randint(0, 10**6)}. "
            f"A spokesperson for {b[0]} said further meetings would follow in {c[1]}."
        )
    text = title + "\n\n" + "\n\n".join(paragraphs)
    published = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=rng.randint(0, 23))
    return Item(
        id=f"bench-{i}",
        source="wire",
        kind="feed",
        published=published,
        date_source="published",
        date_precision="day",
        outlet=rng.choice(_OUTLETS),
        title=title,
        text=text,
        url=f"https://news.example/{i}",
        content_hash=f"h{i}",
    )


def items_over(n: int, first: date, days: int, seed: int):
    """`n` synthetic items spread evenly over `days` days from `first`."""
    rng = random.Random(seed)
    return [news_item(i, rng, first + timedelta(days=i * days // n)) for i in range(n)]


def project(folder: Path) -> Path:
    """A feeds.yaml with one feed ('wire') feeding the Japan report, its state in `folder`."""
    import yaml

    data = yaml.safe_load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
    report = next(r for r in data["reports"] if r["slug"] == "japan")
    report.update(feeds=["wire"], seeds=False)
    data["feeds"] = [{"name": "wire", "url": "http://127.0.0.1:9/wire.xml", "outlet": "Wire Service"}]
    data["reports"] = [report]
    data["settings"].update(data_dir=str(folder / "state"), output_dir=str(folder / "out"))
    path = folder / "feeds.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def first_analysis(ctx, items) -> dict:
    """The stage on every core against raw single-process nlp.pipe, on the same texts."""
    import spacy

    from reporter.nlp.model import MODELS
    from reporter.nlp.stored import analyse_stale

    words = sum(len(i.text.split()) for i in items)
    how = ctx.analysing()
    started = time.perf_counter()
    done = analyse_stale(how, items)
    stage = time.perf_counter() - started
    model = next(m for m in MODELS if _installed(m))
    nlp = spacy.load(model)
    texts = [i.text for i in items]
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=8):
        pass
    raw = time.perf_counter() - started
    workers = how.workers if len(items) >= how.parallel_min else 1
    return {"items": done.analysed, "words": words, "stage_s": stage, "raw_s": raw, "workers": workers}


def _installed(name: str) -> bool:
    from importlib import metadata

    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


def rebuild(config: Path, ctx, spec, period) -> dict:
    """The month rebuilt as a command, then in-process by stage."""
    from reporter import pipeline

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "reporter", "build", spec.slug, "-p", period.key, "--force"]
    started = time.perf_counter()
    subprocess.run([*command, "--no-ingest", "-f", "json", "-c", str(config)], check=True, env=env,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    command_s = time.perf_counter() - started

    stages: dict[str, float] = {}
    t = time.perf_counter()
    items = ctx.store.items.for_sources(
        ["wire"], since=period.start_dt - timedelta(days=62), until=period.end_dt + timedelta(days=31)
    )
    stages["load items"] = time.perf_counter() - t
    t = time.perf_counter()
    records = ctx.store.analyses.load(items, ctx.analysing().version)
    stages["load + decode analyses"] = time.perf_counter() - t
    t = time.perf_counter()
    placed = list(ctx.placer().place_all(((i, records[i.id]) for i in items), spec))
    stages["place in sections"] = time.perf_counter() - t
    t = time.perf_counter()
    from reporter.compose import compose

    report = compose(placed, spec, period, now=datetime.now(UTC))
    stages["compose"] = time.perf_counter() - t
    t = time.perf_counter()
    pipeline.render_report(report, formats=("json",), templates_dir=None)
    stages["render json"] = time.perf_counter() - t
    return {"command_s": command_s, "stages": stages, "items": len(items)}


def many_reports(ctx, profiles: int) -> dict:
    """`profiles` reports (different subjects) over the same stored, analysed items, one process."""
    from reporter import pipeline
    from reporter.models import Period

    period = Period.parse("2025-11")
    codes = ["JP", "CN", "KR", "US", "IN", "AU", "RU", "VN", "PH", "ID", "DE", "FR", "BR", "NG", "CA",
             "MX", "TR", "EG", "KE", "AR"]  # fmt: skip
    base = ctx.config.report("japan")
    times = []
    rss = []
    for k in range(profiles):
        code = codes[k % len(codes)]
        spec = replace(base, slug=f"p{k:02d}-{code.lower()}", subject=code, subject_name=code)
        started = time.perf_counter()
        pipeline.build(ctx, spec, period, formats=("json",), force=True)
        times.append(time.perf_counter() - started)
        rss.append(rss_mb())
    return {"profiles": profiles, "times": times, "rss": rss}


def markdown(month: dict, first: dict, many: dict) -> str:
    """The results as the markdown written to docs/bench/stored.md."""
    wps_stage = first["words"] / first["stage_s"]
    wps_raw = first["words"] / first["raw_s"]
    # Without stored analysis every build analyses its window; with it, one analysis serves them all.
    one = first["stage_s"] + many["times"][0]
    total = first["stage_s"] + sum(many["times"])
    reads = many["times"]
    lines = [
        "# Stored analysis benchmark",
        "",
        f"`bench/bench_stored.py`, {date.today().isoformat()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end (the machine is shared). Synthetic news items (templates, "
        "seeded RNG), one feed, SQLite.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| rebuild of a month, {month['items']:,} stored items, "
        f"`reporter build --force --no-ingest -f json` (a fresh process) | **{month['command_s']:.1f} s** "
        "| ≤ 3 s (5,000 items) |",
    ]
    for name, seconds in month["stages"].items():
        lines.append(f"| · in-process: {name} | {seconds:.2f} s | |")
    lines += [
        f"| first analysis, {first['items']:,} items ({first['words']:,} words), the stage with "
        f"{first['workers']} process(es) | {wps_stage:,.0f} words/s | |",
        f"| raw `nlp.pipe`, one process, the model as spaCy loads it, same text | {wps_raw:,.0f} words/s | |",
        f"| **first analysis ÷ raw `nlp.pipe`** | **{wps_stage / wps_raw:.2f}×** | ≥ 1.6× |",
        f"| {many['profiles']} report profiles (different subjects) over the same {first['items']:,} "
        f"items: one build that analyses (first analysis + one build) | {one:.1f} s | |",
        f"| · each build reading the stored analyses: median | {sorted(reads)[len(reads) // 2]:.2f} s | |",
        f"| **the first analysis + all {many['profiles']} builds ÷ one build that analyses** | "
        f"**{total / one:.2f}×** | ≤ 3× |",
        f"| RSS after the first build / after the last | {many['rss'][0]:.0f} / {many['rss'][-1]:.0f} MiB "
        "| |",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    """Run the three measurements, print the table, write docs/bench/stored.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--month", type=int, default=5000)
    parser.add_argument("--profiles", type=int, default=50)
    args = parser.parse_args()
    from reporter import pipeline
    from reporter.models import Period

    period = Period.parse("2025-11")
    with TemporaryDirectory() as tmp:
        config = project(Path(tmp))
        ctx = pipeline.open_context(config)
        items = items_over(args.month, date(2025, 11, 1), 30, seed=3)
        ctx.store.items.add(items, source="wire")
        first = first_analysis(ctx, items)
        month = rebuild(config, ctx, ctx.config.report("japan"), period)
        many = many_reports(ctx, args.profiles)
        ctx.close()
    text = markdown(month, first, many)
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

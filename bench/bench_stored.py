"""Benchmark stored analysis (issue 13): rebuilds that read, a first analysis on every core, many reports.

Each part is its own command, so the slow preparation can run on a busy machine and only the timed
parts on a quiet one; each part saves its result (docs/bench/stored/<part>.json) and docs/bench/stored.md
is written from every part saved so far. Items are synthetic news (generated here from templates, varied
by a seeded RNG; no corpus text), stored as one feed in a SQLite store, unless a part is pointed at
another project (the October 2023 replay: `scripts/corpus-build OUT`, then `rebuild --config OUT/feeds.yaml
--report japan --period 2023-10`).

  prepare DIR [--items 20000]   a store of synthetic items over four months, analysed (timed)
  rebuild [--config FILE --report SLUG --period P | --items 5000] [--runs 3]
                                `reporter build --force --no-ingest -f json` as a command (a fresh process),
                                against the floor (a fresh process importing the same libraries, reading
                                and decompressing the same rows, fitting the same TF-IDF), and in-process
                                by stage
  first [--items 1500]          the analysis stage (worker processes, one per core, each running the whole
                                analyzer, records stored) against raw single-process `nlp.pipe` of the same
                                model on the same text, in the same run
  profiles DIR [--profiles 50]  report profiles (different subjects) over the store of `prepare`, built one
                                after the other in one process; without stored analysis each would analyse
                                the window, so the ratio is (first analysis + every build) / (first
                                analysis + one build)
  (no part)                     all four, small, in a temporary folder (what bench/run.py runs)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
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
PARTS = ROOT / "docs" / "bench" / "stored"
PERIOD = "2025-11"

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


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages, as the results print them."""
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def save(part: str, result: dict, *, quiet: bool = False) -> None:
    """Keep one part's result and rewrite docs/bench/stored.md from every part kept."""
    result = {**result, "date": date.today().isoformat(), "cpus": os.cpu_count(), "load": load_average()}
    PARTS.mkdir(parents=True, exist_ok=True)
    (PARTS / f"{part}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    text = markdown({p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(PARTS.glob("*.json"))})
    OUT.write_text(text, encoding="utf-8")
    if not quiet:
        print(text)


def synthetic_store(folder: Path, n: int, first: date, days: int, seed: int = 3) -> tuple[Path, float, int]:
    """A project in `folder` whose store holds `n` synthetic items, analysed; (config, seconds, words)."""
    from reporter import pipeline
    from reporter.nlp.stored import analyse_stale

    config = project(folder)
    ctx = pipeline.open_context(config)
    items = items_over(n, first, days, seed)
    ctx.store.items.add(items, source="wire")
    how = ctx.analysing()
    started = time.perf_counter()
    analyse_stale(how, ctx.store.analyses.stale(how.version))
    seconds = time.perf_counter() - started
    ctx.close()
    return config, seconds, sum(len(i.text.split()) for i in items)


# --- prepare -----------------------------------------------------------------------------------


def prepare(folder: Path, n: int) -> dict:
    """A store of `n` synthetic items over four months (a November build's whole window), analysed."""
    folder.mkdir(parents=True, exist_ok=True)
    _, seconds, words = synthetic_store(folder, n, date(2025, 9, 1), 122)
    result = {"items": n, "words": words, "analysis_s": seconds, "load": load_average()}
    (folder / "prepared.json").write_text(json.dumps(result), encoding="utf-8")
    print(json.dumps(result))
    return result


# --- rebuild -----------------------------------------------------------------------------------

FLOOR = """
import json, sqlite3, sys, zlib
import sqlalchemy, numpy, yaml
from sklearn.feature_extraction.text import TfidfVectorizer
db, since, until = sys.argv[1:4]
rows = sqlite3.connect(db).execute(
    "SELECT i.title, i.text, a.data FROM items i JOIN analyses a ON a.item_id = i.id"
    " WHERE i.published >= ? AND i.published < ? ORDER BY i.published, i.id", (since, until)).fetchall()
records = [json.loads(zlib.decompress(data)) for _, _, data in rows]
contents = [f"{t}. {t}. {x[:4000]}" for t, x, _ in rows]
vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english",
                             token_pattern=r"(?u)\\b[a-zA-Z][a-zA-Z0-9\\-]+\\b")
vectorizer.fit_transform(contents + [f"{t}. {x}"[:2000] for t, x, _ in rows])
"""


# The same build in a process that stays up (the web app's Build button, the scheduler's monthly job, a
# worker): the first build pays the imports and decodes the records; the next ones are timed.
RESIDENT = """
import json, sys, time
from reporter import pipeline
from reporter.models import Period
config, slug, key, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ctx = pipeline.open_context(config)
spec, period = ctx.config.report(slug), Period.parse(key)
times = []
for _ in range(runs + 1):
    started = time.perf_counter()
    pipeline.run(ctx, spec, period, force=True, send=False, formats=("json",), ingest_first=False)
    times.append(time.perf_counter() - started)
print(json.dumps({"first": times[0], "next": times[1:]}))
"""


def rebuild(config: Path, slug: str, period_key: str, runs: int) -> dict:
    """The month rebuilt `runs` times as a command and the floor as many times, then once by stage."""
    from reporter import pipeline
    from reporter.models import Period

    ctx = pipeline.open_context(config)
    spec, period = ctx.config.report(slug), Period.parse(period_key)
    since, until = period.start_dt - timedelta(days=62), period.end_dt + timedelta(days=31)
    db = Path(ctx.config.settings.data_dir) / "reporter.db"
    # As an installed package runs: with its modules' bytecode cached (pip compiles at install; a checkout
    # writes __pycache__ on first import unless PYTHONDONTWRITEBYTECODE says not to, as on CI machines).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT / "src")
    command = [sys.executable, "-m", "reporter", "build", slug, "-p", period_key, "--force", "--no-ingest",
               "-f", "json", "-c", str(config)]  # fmt: skip
    floor_command = [sys.executable, "-c", FLOOR, str(db), f"{since:%Y-%m-%d %H:%M:%S}",
                     f"{until:%Y-%m-%d %H:%M:%S}"]  # fmt: skip
    resident_command = [sys.executable, "-c", RESIDENT, str(config), slug, period_key, str(runs)]
    builds, floors = [], []
    # One untimed build first: it writes the bytecode, and the story vectors of tellings not yet stored.
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(runs):  # interleaved, so both see the same machine
        started = time.perf_counter()
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        builds.append(time.perf_counter() - started)
        started = time.perf_counter()
        subprocess.run(floor_command, check=True, env=env)
        floors.append(time.perf_counter() - started)
    done = subprocess.run(resident_command, check=True, env=env, capture_output=True, text=True)
    resident = json.loads(done.stdout.strip().splitlines()[-1])
    result = {"config": str(config), "report": slug, "period": period_key, "builds": builds,
              "floors": floors, "resident": resident,
              "stages": stages(ctx, spec, period, since, until)}  # fmt: skip
    result["items"] = result["stages"].pop("items")
    ctx.close()
    return result


def stages(ctx, spec, period, since: datetime, until: datetime) -> dict:
    """The build's steps in this process, timed one by one (as `pipeline.compose_report` runs them)."""
    from reporter import pipeline
    from reporter.compose import compose
    from reporter.nlp import storyvectors

    out: dict = {}

    def timed(name: str, step):
        started = time.perf_counter()
        value = step()
        out[name] = time.perf_counter() - started
        return value

    sources = pipeline.sources_of([spec])
    items = timed("load items", lambda: ctx.store.items.for_sources(sources, since=since, until=until))
    records = timed("load + decode analyses", lambda: ctx.store.analyses.load(items, ctx.analysing().version))
    pairs = [(i, records[i.id]) for i in items]
    placed = timed("place in sections", lambda: list(ctx.placer().place_all(pairs, spec)))
    # As pipeline.compose_report: the records' vectors, and the tellings' from the store.
    records = storyvectors.stored(r.vector for _, r in pairs)
    vectors = storyvectors.Known(records, lookup=ctx.store.vectors.get)
    timed("import scikit-learn", _story_libraries)
    report = timed("compose", lambda: compose(placed, spec, period, now=datetime.now(UTC), vectors=vectors))
    timed("render json", lambda: pipeline.render_report(report, formats=("json",), templates_dir=None))
    out["items"] = len(items)
    return out


def _story_libraries() -> None:
    # WordLlama and datasketch are not loaded by a rebuild: its vectors and signatures are stored.
    import sklearn.feature_extraction.text  # noqa: F401


# --- first analysis ----------------------------------------------------------------------------


def first(n: int) -> dict:
    """The analysis stage on every core against raw single-process nlp.pipe, on the same texts."""
    import spacy

    from reporter.nlp.model import MODELS

    with TemporaryDirectory() as tmp:
        _, stage, words = synthetic_store(Path(tmp), n, date(2025, 11, 1), 30, seed=5)
    from reporter.nlp.pool import default_workers

    items = items_over(n, date(2025, 11, 1), 30, seed=5)
    model = next(m for m in MODELS if _installed(m))
    nlp = spacy.load(model)
    started = time.perf_counter()
    for _ in nlp.pipe([i.text for i in items], batch_size=8):
        pass
    raw = time.perf_counter() - started
    return {"items": n, "words": words, "stage_s": stage, "raw_s": raw, "workers": default_workers(),
            "model": model}  # fmt: skip


def _installed(name: str) -> bool:
    from importlib import metadata

    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


# --- many profiles -----------------------------------------------------------------------------


def profiles(folder: Path, count: int, progress=None) -> dict:
    """`count` reports (different subjects) over the prepared store, one process, one after the other."""
    from reporter import pipeline
    from reporter.models import Period

    prepared = json.loads((folder / "prepared.json").read_text(encoding="utf-8"))
    ctx = pipeline.open_context(folder / "feeds.yaml")
    period = Period.parse(PERIOD)
    codes = ["JP", "CN", "KR", "US", "IN", "AU", "RU", "VN", "PH", "ID", "DE", "FR", "BR", "NG", "CA",
             "MX", "TR", "EG", "KE", "AR"]  # fmt: skip
    base = ctx.config.report("japan")
    times, rss = [], []
    for k in range(count):
        code = codes[k % len(codes)]
        spec = replace(base, slug=f"p{k:02d}-{code.lower()}", subject=code, subject_name=code)
        started = time.perf_counter()
        pipeline.build(ctx, spec, period, formats=("json",), force=True)
        times.append(time.perf_counter() - started)
        rss.append(rss_mb())
        if progress is not None:  # what is done so far is kept, in case the run must be stopped
            progress({"profiles": len(times), "items": prepared["items"],
                      "analysis_s": prepared["analysis_s"], "analysis_load": prepared["load"],
                      "times": times, "rss": rss})  # fmt: skip
    ctx.close()
    return {"profiles": count, "items": prepared["items"], "analysis_s": prepared["analysis_s"],
            "analysis_load": prepared["load"], "times": times, "rss": rss,
            "words": prepared["words"]}  # fmt: skip


# --- results -----------------------------------------------------------------------------------


def markdown(parts: dict) -> str:
    """Every part's latest result as the markdown written to docs/bench/stored.md."""
    lines = [
        "# Stored analysis benchmark",
        "",
        "`bench/bench_stored.py`; each part was run on its own (the date and the 1-, 5- and 15-minute load "
        "averages at its end are given with it), on 2 CPUs. Synthetic news items (templates, seeded RNG), "
        "one feed, SQLite, unless said otherwise.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
    ]
    if "rebuild" in parts:
        r = parts["rebuild"]
        build, floor = statistics.median(r["builds"]), statistics.median(r["floors"])
        where = "the October 2023 replay" if "2023-10" in r["period"] else "synthetic"
        lines += [
            f"| **rebuild of a month, {r['items']:,} stored items ({where}), `reporter build --force "
            f"--no-ingest -f json`, a fresh process** (median of {len(r['builds'])}, range "
            f"{min(r['builds']):.2f}–{max(r['builds']):.2f} s; {r['date']}, load {r['load']}) | "
            f"**{build:.2f} s** | ≤ 3 s (5,000 items) |",
            f"| · floor: a fresh process importing the same libraries, reading and decompressing the same "
            f"rows, fitting the same TF-IDF (median) | {floor:.2f} s | |",
            f"| · **rebuild ÷ floor** | **{build / floor:.2f}×** | |",
        ]
        if "resident" in r:
            rest = r["resident"]["next"]
            lines.append(
                f"| **the same rebuild in a process that stays up** (web app, scheduler, worker; the "
                f"builds after its first, median of {len(rest)}, range {min(rest):.2f}–{max(rest):.2f} s; "
                f"its first: {r['resident']['first']:.2f} s)"
                f" | **{statistics.median(rest):.2f} s** | ≤ 3 s |"
            )
        lines += [f"| · in-process: {name} | {seconds:.2f} s | |" for name, seconds in r["stages"].items()]
    if "first" in parts:
        f = parts["first"]
        stage, raw = f["words"] / f["stage_s"], f["words"] / f["raw_s"]
        lines += [
            f"| first analysis, {f['items']:,} items ({f['words']:,} words), the stage with {f['workers']} "
            f"worker processes, records stored ({f['date']}, load {f['load']}) | {stage:,.0f} words/s | |",
            f"| raw `nlp.pipe` of {f['model']}, one process, as spaCy loads it, same text | "
            f"{raw:,.0f} words/s | |",
            f"| **first analysis ÷ raw `nlp.pipe`** | **{stage / raw:.2f}×** | ≥ 1.6× |",
        ]
    if "profiles" in parts:
        p = parts["profiles"]
        times = p["times"]
        one, total = p["analysis_s"] + times[0], p["analysis_s"] + sum(times)
        lines += [
            f"| {p['profiles']} report profiles (different subjects) over one store of {p['items']:,} items "
            f"({p['date']}, load {p['load']}): the first analysis of the store (load {p['analysis_load']}) | "
            f"{p['analysis_s']:.0f} s | |",
            f"| · each build reading the stored analyses: first / median / last | {times[0]:.1f} / "
            f"{statistics.median(times):.1f} / {times[-1]:.1f} s | |",
            f"| **the first analysis + all {p['profiles']} builds ÷ the first analysis + one build** | "
            f"**{total / one:.2f}×** | ≤ 3× |",
            f"| · the {p['profiles']} builds alone ÷ one build | {sum(times) / times[0]:.1f}× | |",
            f"| RSS after the first build / after the last | {p['rss'][0]:.0f} / {p['rss'][-1]:.0f} MiB | |",
        ]
        if "first" in parts and p.get("words"):
            # The store's analysis ran on a busy machine; at the quiet machine's measured rate it would
            # take this long, and the ratio with it is computed, not measured.
            f = parts["first"]
            quiet = p["words"] / (f["words"] / f["stage_s"])
            lines.append(
                f"| · the same ratio with the first analysis at the rate measured above ({quiet:.0f} s for "
                f"{p['words']:,} words; computed) | {(quiet + sum(times)) / (quiet + times[0]):.2f}× | ≤ 3× |"
            )
    notes = [f"- {p}: {parts[p]['note']}" for p in parts if parts[p].get("note")]
    return "\n".join([*lines, "", HOW_TO_READ, "", *notes, ""])


HOW_TO_READ = (
    "How to read it: the rebuild is a fresh `reporter build` process (bytecode cached, as installed), so "
    "it pays Python's start and every "
    "import; the floor pays the same start and imports (scikit-learn with scipy) and the "
    "unavoidable work (read and decompress the stored rows, fit the TF-IDF that story-finding fits), and "
    "nothing else. WordLlama and datasketch are in neither: a rebuild reads the vectors and signatures "
    "an earlier build made. The process that stays up runs the same `pipeline.run` as the web app and the "
    "scheduler; its first build is not counted (imports, records decoded and kept). "
    "The in-process stages are the build's own steps timed one by one. The first analysis "
    "starts its worker processes (spaCy and the gazetteer loaded in each) inside the time. The profiles "
    "are built one after the other in one process, so their stored records are decoded once (kept per "
    "process) but each is placed, composed and rendered for its own subject."
)


def main(argv: list[str] | None = None) -> int:
    """Run one part (or, with none named, all of them small) and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("part", nargs="?", choices=["prepare", "rebuild", "first", "profiles"])
    parser.add_argument("folder", nargs="?", type=Path, help="the prepared store (prepare, profiles)")
    parser.add_argument("--items", type=int)
    parser.add_argument("--profiles", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--config", type=Path, help="rebuild: another project's feeds.yaml")
    parser.add_argument("--report", default="japan")
    parser.add_argument("--period", default=PERIOD)
    parser.add_argument("--note", help="a sentence kept with the part's result")
    args = parser.parse_args(argv)
    extra = {"note": args.note} if args.note else {}
    if args.part == "prepare":
        prepare(args.folder, args.items or 20_000)
    elif args.part == "rebuild" and args.config:
        save("rebuild", {**rebuild(args.config, args.report, args.period, args.runs), **extra})
    elif args.part == "rebuild":
        with TemporaryDirectory() as tmp:
            config, _, _ = synthetic_store(Path(tmp), args.items or 5_000, date(2025, 11, 1), 30)
            save("rebuild", {**rebuild(config, "japan", PERIOD, args.runs), **extra})
    elif args.part == "first":
        save("first", {**first(args.items or 1_500), **extra})
    elif args.part == "profiles":
        keep = lambda done: save("profiles", {**done, **extra}, quiet=True)  # noqa: E731
        save("profiles", {**profiles(args.folder, args.profiles, keep), **extra})
    else:
        with TemporaryDirectory() as tmp:
            prepare(Path(tmp), 600)
            save("profiles", profiles(Path(tmp), 5))
            save("rebuild", rebuild(Path(tmp) / "feeds.yaml", "japan", PERIOD, 2))
        save("first", first(300))
    return 0


if __name__ == "__main__":
    sys.exit(main())

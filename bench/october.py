"""The October 2023 replay: serve the corpus's daily feed captures on 127.0.0.1, ingest day by day, build.

Run: scripts/corpus-build OUT [--corpus PATH]   (or .venv/bin/python bench/october.py OUT ...)

One feed URL per outlet (bench/data/october2023/feeds.yaml); the server answers each URL with the capture of
the day being replayed (the latest one on or before it, an empty channel before the first), with an ETag and
Last-Modified per capture, so a poller's conditional GET sees 304 on days its feed did not change. Each day
is one ingest cycle with the pipeline's clock set to that evening; then `reporter build japan --period 2023-10
--force --no-ingest` runs in a child process, timed by stage. Everything is written under OUT: the config,
the data dir, output/japan/2023-10/, and timings.json (wall time, peak memory, seconds per stage).
The corpus defaults to ../shared/corpus/feeds-2023-10 beside the checkout; REPORTER_CORPUS or --corpus
override it. Nothing of the corpus is copied into the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as dtime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))  # bench_build's floor
CONFIG = ROOT / "bench" / "data" / "october2023" / "feeds.yaml"
# ../shared beside the checkout; a worktree under wt/NAME finds the one beside the main checkout.
DEFAULT_CORPORA = tuple(
    up / "shared" / "corpus" / "feeds-2023-10" for up in (ROOT.parent, ROOT.parent.parent)
)
PERIOD = "2023-10"
REPORT = "japan"
# The setting issue 14 adds (loopback feeds are refused without it); set only if the config knows it.
PRIVATE_NETWORKS_KEY = "allow_private_networks"


def corpus_dir(given: str | os.PathLike[str] | None = None) -> Path:
    """The corpus folder: the argument, else $REPORTER_CORPUS, else ../shared/corpus/feeds-2023-10."""
    chosen = given or os.environ.get("REPORTER_CORPUS")
    path = Path(chosen) if chosen else next((p for p in DEFAULT_CORPORA if p.is_dir()), DEFAULT_CORPORA[0])
    if not (path / "rss").is_dir():
        raise SystemExit(
            f"no corpus at {path} (expected {path / 'rss'}/YYYY/MM/YYYY-MM-DD/*.xml); "
            "pass --corpus PATH or set REPORTER_CORPUS"
        )
    return path


def capture_days(corpus: Path) -> list[date]:
    """Every day the corpus has captures for, in order."""
    return sorted(date.fromisoformat(p.name) for p in (corpus / "rss").glob("*/*/*") if p.is_dir())


class Replay:
    """What the server serves: each feed file as captured on or before the current day."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        self.day: date = capture_days(corpus)[0]
        self.lock = threading.Lock()

    def set_day(self, day: date) -> None:
        """Make `day` the day every feed answers for."""
        with self.lock:
            self.day = day

    def capture(self, name: str) -> tuple[date, Path] | None:
        """The latest capture of feed file `name` on or before the current day, or None before its first."""
        with self.lock:
            day = self.day
        found = None
        for path in (self.corpus / "rss").glob(f"*/*/*/{name}"):
            captured = date.fromisoformat(path.parent.name)
            if captured <= day and (found is None or captured > found[0]):
                found = (captured, path)
        return found


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = urlsplit(self.path).path.lstrip("/")
            if "/" in name or not name.endswith(".xml"):
                self.send_error(404)
                return
            found = replay.capture(name)
            if found is None:
                if not any((replay.corpus / "rss").glob(f"*/*/*/{name}")):
                    self.send_error(404, "no such feed in the corpus")
                    return
                # The feed exists but was not captured yet: a poller would see no news, not an error.
                captured, body = replay.day, _EMPTY.encode("utf-8")
            else:
                captured, body = found[0], found[1].read_bytes()
            modified = datetime.combine(captured, dtime(23, 0), tzinfo=UTC)
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self._not_modified(etag, modified):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", format_datetime(modified, usegmt=True))
            self.end_headers()
            self.wfile.write(body)

        def _not_modified(self, etag: str, modified: datetime) -> bool:
            if (sent := self.headers.get("If-None-Match")) is not None:
                return etag in [t.strip() for t in sent.split(",")]
            if (since := self.headers.get("If-Modified-Since")) is not None:
                try:
                    return modified <= parsedate_to_datetime(since)
                except (TypeError, ValueError):
                    return False
            return False

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


_EMPTY = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title></title></channel></rss>'


def serve(replay: Replay) -> tuple[ThreadingHTTPServer, str]:
    """Start the replay server on a free port of 127.0.0.1; the server and its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(replay))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="corpus-replay", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def write_config(out: Path, base_url: str, *, own_report: bool = False) -> Path:
    """OUT/feeds.yaml: the committed feeds pointed at the server, the Japan report, OUT's folders."""
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    base = urlsplit(base_url)
    for feed in data["feeds"]:
        url = urlsplit(feed["url"])
        feed["url"] = urlunsplit((base.scheme, base.netloc, url.path, url.query, ""))
    if not own_report:
        # The project's own report settings, so October is built as the project ships them today.
        project = yaml.safe_load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
        report = dict(next(r for r in project["reports"] if r["slug"] == REPORT))
        report.update(feeds="all", seeds=False)
        data["reports"] = [report]
    (out / "seeds").mkdir(parents=True, exist_ok=True)
    data["settings"].update(
        data_dir=str(out / "data"),
        output_dir=str(out / "output"),
        seeds_dir=str(out / "seeds"),
        templates_dir=str(ROOT / "templates"),
    )
    path = out / "feeds.yaml"
    data["settings"][PRIVATE_NETWORKS_KEY] = True
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    if not _config_accepts(path):
        del data["settings"][PRIVATE_NETWORKS_KEY]
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _config_accepts(path: Path) -> bool:
    """Whether this version of reporter loads the config (it refuses keys it does not know)."""
    from reporter.config import load_config
    from reporter.errors import ReporterError

    try:
        load_config(path, env={})
    except ReporterError:
        return False
    return True


def replay_days(
    config: Path, replay: Replay, days: list[date], say: Callable[[str], None] = print
) -> dict[str, object]:
    """One ingest cycle per day, the clock set to 23:30 UTC of that day; seconds and new items per day."""
    from reporter import pipeline

    started = time.perf_counter()
    per_day = []
    ctx = pipeline.open_context(config, env={})
    if getattr(ctx.config.settings, PRIVATE_NETWORKS_KEY, None) is None:
        _allow_loopback_fetches()
    try:
        report = ctx.config.report(REPORT)
        for day in days:
            replay.set_day(day)
            at = datetime.combine(day, dtime(23, 30), tzinfo=UTC)
            ctx.clock = lambda at=at: at
            t = time.perf_counter()
            result = pipeline.ingest(ctx, report)
            failed = [f.source for f in result.failures]
            if result.failures and len(failed) == len(ctx.config.feeds):
                first = result.failures[0]
                raise SystemExit(
                    f"every feed failed on {day}, e.g. {first.error}"
                    + (f"\n  hint: {first.hint}" if first.hint else "")
                )
            per_day.append(
                {
                    "day": day.isoformat(),
                    "new": result.new_items,
                    "failed": failed,
                    "s": time.perf_counter() - t,
                }
            )
            say(f"  {day}: {result.new_items:4d} new" + (f", failed: {', '.join(failed)}" if failed else ""))
    finally:
        ctx.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": time.perf_counter() - started, "peak_rss_mb": peak, "days": per_day}


def _allow_loopback_fetches() -> None:
    """Let this process's feed fetches reach 127.0.0.1 when the config cannot say so yet.

    Issue 14 refuses private addresses unless `settings.allow_private_networks` is set; until that key
    exists (and is passed to the fetcher), the replay opts in the way the tests do, through FetchPolicy.
    """
    import functools

    from reporter.sources import feeds, fetch

    if PRIVATE_NETWORKS_KEY in getattr(fetch.FetchPolicy, "__dataclass_fields__", {}):
        feeds.FetchPolicy = functools.partial(fetch.FetchPolicy, **{PRIVATE_NETWORKS_KEY: True})


# The child that builds: the CLI itself, with wall-clock timers around the pipeline's stage functions.
_TIMED_BUILD = r"""
import json, os, sys, time
from pathlib import Path
timings = {}
def timed(owner, name, stage):
    inner = getattr(owner, name, None)
    if inner is None:
        return
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - t
    setattr(owner, name, wrapper)
import reporter.compose, reporter.pipeline, reporter.pipeline.publish, reporter.pipeline.render
# Each stage is wrapped where its caller looks it up: the build finds compose_report in publish.py,
# render_with_settings finds render_report in render.py, the CLI finds build on the package.
timed(reporter.pipeline.publish, "compose_report", "analysis+compose")
timed(reporter.compose, "compose", "compose")
timed(reporter.pipeline.render, "render_report", "render")
timed(reporter.pipeline, "build", "build total")
from reporter.cli import main
sys.argv = ["reporter", *sys.argv[1:]]
try:
    main()
finally:
    Path(os.environ["OCTOBER_STAGES_FILE"]).write_text(json.dumps(timings))
"""


def build(config: Path, out: Path) -> dict[str, object]:
    """`reporter build japan --period 2023-10 --force --no-ingest` in a child; its time, peak RSS, stages."""
    stages_file = out / "stages.json"
    cmd = [sys.executable, "-c", _TIMED_BUILD]
    cmd += ["build", REPORT, "--period", PERIOD, "--force", "--no-ingest", "--config", str(config)]
    started = time.perf_counter()
    env = {**os.environ, "OCTOBER_STAGES_FILE": str(stages_file)}
    done = subprocess.run(cmd, cwd=out, env=env, check=False)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if done.returncode != 0:
        raise SystemExit(f"reporter build failed (exit {done.returncode}); see the messages above")
    stages = json.loads(stages_file.read_text(encoding="utf-8")) if stages_file.exists() else {}
    stages_file.unlink(missing_ok=True)
    if "analysis+compose" in stages and "compose" in stages:
        stages["analysis"] = stages.pop("analysis+compose") - stages["compose"]
    return {"seconds": wall, "peak_rss_mb": peak, "stages": stages}


def floor(config: Path, out: Path) -> dict[str, float]:
    """The raw libraries doing the build's heavy work, in a child: spaCy on the items' texts, WeasyPrint.

    The same floor as bench/bench_build.py: load the model, `nlp.pipe` the title and text of every item
    the build read (the period and its margins, as `compose_report` reads them), render the report's own
    HTML to PDF. The build's time divided by this is the ratio docs/benchmarks.md records.
    """
    from datetime import timedelta

    from bench_build import FLOOR, timed
    from reporter import pipeline
    from reporter.models import Period

    texts = out / "floor-texts"
    shutil.rmtree(texts, ignore_errors=True)
    texts.mkdir()
    ctx = pipeline.open_context(config, env={})
    try:
        spec, period = ctx.config.report(REPORT), Period.parse(PERIOD)
        since, until = period.start_dt - timedelta(days=62), period.end_dt + timedelta(days=31)
        for n, item in enumerate(ctx.store.items.for_sources(spec.feeds, since=since, until=until)):
            (texts / f"{n:05d}.txt").write_text(f"{item.title}\n{item.text}", encoding="utf-8")
    finally:
        ctx.close()
    wall, peak = timed(
        [sys.executable, "-c", FLOOR, str(texts), str(report_path(out, "html"))], out, dict(os.environ)
    )
    shutil.rmtree(texts)
    return {"seconds": wall, "peak_rss_mb": peak}


def run(
    out: Path,
    corpus: Path,
    *,
    own_report: bool = False,
    with_floor: bool = False,
    say: Callable[[str], None] = print,
) -> dict:
    """The whole replay into OUT; returns what timings.json holds."""
    if (out / "data").exists():
        shutil.rmtree(out / "data")  # a fresh data dir every time: the replay starts from nothing
    out.mkdir(parents=True, exist_ok=True)
    replay = Replay(corpus)
    server, base_url = serve(replay)
    try:
        config = write_config(out, base_url, own_report=own_report)
        days = capture_days(corpus)
        say(f"replaying {len(days)} days ({days[0]} .. {days[-1]}) from {corpus} on {base_url}")
        ingest = replay_days(config, replay, days, say)
    finally:
        server.shutdown()
        server.server_close()
    say("building: reporter build japan --period 2023-10 --force --no-ingest")
    built = build(config, out)
    stages = {"ingest": ingest["seconds"], **built["stages"]}
    timings = {
        "corpus": str(corpus),
        "ingest": ingest,
        "build": built,
        "stages": stages,
        "report": str(report_path(out, "json")),
    }
    if with_floor:
        say("floor: spaCy on the same texts + WeasyPrint on the same HTML")
        timings["floor"] = floor(config, out)
    timings["load_average"] = list(os.getloadavg())  # the machine is shared: say how busy it was
    (out / "timings.json").write_text(json.dumps(timings, indent=2), encoding="utf-8")
    return timings


def report_path(out: Path, fmt: str) -> Path:
    """Where the replay's October report in format `fmt` is."""
    return out / "output" / REPORT / PERIOD / f"{REPORT}-{PERIOD}.{fmt}"


def main(argv: list[str] | None = None) -> int:
    """The command line: replay the corpus into a folder and say where the report is."""
    parser = argparse.ArgumentParser(prog="scripts/corpus-build", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for the config, data dir, report and timings")
    parser.add_argument(
        "--corpus", help="corpus folder (default: $REPORTER_CORPUS, else ../shared/corpus/...)"
    )
    parser.add_argument("--floor", action="store_true", help="also time the raw libraries' floor")
    parser.add_argument(
        "--own-report", action="store_true", help="use the committed config's report block, not feeds.yaml's"
    )
    args = parser.parse_args(argv)
    out = args.out.resolve()
    timings = run(out, corpus_dir(args.corpus), own_report=args.own_report, with_floor=args.floor)
    print(f"ingest {timings['ingest']['seconds']:.1f} s, build {timings['build']['seconds']:.1f} s, "
          f"peak {timings['build']['peak_rss_mb']:.0f} MB")  # fmt: skip
    print("report:")
    for fmt in ("pdf", "html", "json", "md"):
        if report_path(out, fmt).exists():
            print(f"  {report_path(out, fmt)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

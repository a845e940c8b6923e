"""The structural checks issue 11 asks of a month's report, read from its JSON (and PDF) as a reader would.

Used by bench/eval_october2023.py and tests/test_october2023.py. Each check returns a `Check`: its name, the
measured value, whether it holds, and examples of what broke it. The labels are the development set's
(bench/data/october2023/labels.jsonl): they say which items tell one story and which are sports etc.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "bench" / "data" / "october2023" / "labels.jsonl"
# The outlets of the October corpus as their readers know them (what a lead must name).
REAL_OUTLETS = (
    "Japan Today",
    "South China Morning Post",
    "CNA",
    "RT",
    "The Moscow Times",
    "The Wall Street Journal",
    "BBC News",
    "Al Jazeera",
    "The Guardian",
    "Financial Times",
    "The New York Times",
    "Sky News",
    "The Washington Post",
    "NBC News",
    "CNN",
)
# Accepted short forms of the same outlets ("the BBC", "WSJ", "SCMP"...).
OUTLET_FORMS = {
    "BBC": "BBC News",
    "WSJ": "The Wall Street Journal",
    "Wall Street Journal": "The Wall Street Journal",
    "SCMP": "South China Morning Post",
    "New York Times": "The New York Times",
    "Washington Post": "The Washington Post",
    "Guardian": "The Guardian",
    "Moscow Times": "The Moscow Times",
    "FT": "Financial Times",
    "NBC": "NBC News",
    "Channel NewsAsia": "CNA",
}
OFF_TOPICS = ("sports", "entertainment", "crime")
CUT_OFF = re.compile(r"(…|\.\.\.)[\"'”’)\]]*\s*$")


@dataclass(frozen=True)
class Check:
    """One structural check: what was measured, whether it holds, and up to a few examples of failures."""

    name: str
    value: str
    ok: bool
    examples: tuple[str, ...] = field(default=())


def load_labels(path: Path = LABELS) -> list[dict]:
    """The labelled entries, one dict per line of the JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def canonical(url: str | None) -> str | None:
    """The URL as the pipeline keys it (reporter.normalize.canonical_url), or as given."""
    if not url:
        return None
    try:
        from reporter.normalize import canonical_url
    except ImportError:  # the checks read JSON; they do not need reporter to be importable
        return url.strip()
    return canonical_url(url) or url.strip()


def title_key(title: str | None) -> str:
    """A title reduced to lower-case words, to join rows that carry no URL."""
    return " ".join(re.findall(r"\w+", (title or "").lower()))


class LabelIndex:
    """The labels by canonical URL and by title, to find the label of a report's row."""

    def __init__(self, labels: Iterable[dict]) -> None:
        self.labels = list(labels)
        self.by_url = {canonical(x["url"]): x for x in self.labels}
        self.by_title: dict[str, dict] = {}
        for x in self.labels:
            self.by_title.setdefault(title_key(x["title"]), x)

    def find(self, url: str | None = None, title: str | None = None) -> dict | None:
        """The label of the entry with this URL (else this title), or None if it is not labelled."""
        if url and (hit := self.by_url.get(canonical(url))):
            return hit
        return self.by_title.get(title_key(title)) if title else None


def paragraphs(report: Mapping) -> list[tuple[str, dict]]:
    """Every paragraph of the report's sections, with its section's name."""
    return [(s["name"], p) for s in report.get("sections", []) for p in s.get("paragraphs", [])]


def pdf_pages(pdf: Path) -> int | None:
    """The PDF's page count from pdfinfo, or None if there is no PDF or no pdfinfo."""
    if not pdf.exists():
        return None
    try:
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    match = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(match.group(1)) if match else None


def check_paragraph_count(report: Mapping, low: int = 30, high: int = 60) -> Check:
    """30 to 60 paragraphs."""
    n = len(paragraphs(report))
    return Check("paragraphs (30–60)", str(n), low <= n <= high)


def check_pages(pdf: Path, most: int = 12) -> Check:
    """At most 12 PDF pages."""
    pages = pdf_pages(pdf)
    return Check(
        "PDF pages (≤ 12)", "n/a" if pages is None else str(pages), pages is not None and pages <= most
    )


def _label_of(index: LabelIndex, p: Mapping) -> dict | None:
    return index.find(p.get("url"), p.get("title"))


def item_urls(report: Mapping) -> dict[str, tuple[str | None, str | None]]:
    """Item id → (url, title), from the report's decisions and sources, to label a quoted sentence's item."""
    known: dict[str, tuple[str | None, str | None]] = {}
    for row in [*report.get("decisions", []), *report.get("sources", [])]:
        if row.get("item_id"):
            known.setdefault(row["item_id"], (row.get("url"), row.get("title")))
    return known


def stories_of(urls: Mapping[str, tuple[str | None, str | None]], index: LabelIndex, p: Mapping) -> set[str]:
    """The labelled stories a paragraph tells: its lead item's and those of the items it quotes."""
    labels = [_label_of(index, p)]
    for sentence in p.get("sentences", []):
        url, title = urls.get(sentence.get("item_id"), (None, None))
        labels.append(index.find(url, title) if url or title else None)
    return {x["story"] for x in labels if x and x.get("story")}


def check_one_paragraph_per_story(report: Mapping, index: LabelIndex) -> Check:
    """No two paragraphs tell one labelled story (by their lead item or the items they quote)."""
    seen: dict[str, list[str]] = defaultdict(list)
    urls = item_urls(report)
    for _, p in paragraphs(report):
        for story in stories_of(urls, index, p):
            seen[story].append(p.get("title") or "")
    repeats = {s: t for s, t in seen.items() if len(t) > 1}
    examples = tuple(f"{s}: {' / '.join(t[:3])}" for s, t in sorted(repeats.items()))
    return Check("stories told in two paragraphs", str(len(repeats)), not repeats, examples[:5])


def check_no_off_topic(report: Mapping, index: LabelIndex) -> Check:
    """No paragraph on a sports, entertainment or crime item (by the labels)."""
    bad = []
    for section, p in paragraphs(report):
        label = _label_of(index, p)
        if label and label.get("topic") in OFF_TOPICS:
            bad.append(f"{label['topic']} in {section}: {p.get('title')}")
    return Check("sports/entertainment/crime paragraphs", str(len(bad)), not bad, tuple(bad[:5]))


def quoted_sentences(report: Mapping) -> list[str]:
    """Every sentence the report quotes: its paragraphs' sentences and the Overview's text."""
    texts = [s["text"] for _, p in paragraphs(report) for s in p.get("sentences", [])]
    for entry in report.get("overview", []):
        if isinstance(entry, str):
            texts.append(entry)
        elif isinstance(entry, Mapping):
            texts.extend(s["text"] for s in entry.get("sentences", []) if "text" in s)
    return texts


def check_no_cut_off_quotes(report: Mapping) -> Check:
    """No quoted sentence ends in "…" or "..." (a teaser cut off by the feed)."""
    cut = [t for t in quoted_sentences(report) if CUT_OFF.search(t.strip())]
    return Check('quoted sentences ending in "…"', str(len(cut)), not cut, tuple(t[-90:] for t in cut[:5]))


def _key(name: str) -> str:
    name = " ".join(name.split()).lower()
    return name.removeprefix("the ")


def real_outlet(name: str | None) -> str | None:
    """The outlet's reader-facing name if `name` is one of the corpus's outlets (or a short form of one)."""
    if not name:
        return None
    known = {_key(o): o for o in REAL_OUTLETS} | {_key(k): v for k, v in OUTLET_FORMS.items()}
    return known.get(_key(name))


def check_leads_name_outlets(report: Mapping) -> Check:
    """Every paragraph's lead names a real outlet (not a feed title, not "Unknown outlet")."""
    bad = []
    for _, p in paragraphs(report):
        lead = p.get("lead") or ""
        named = real_outlet(p.get("outlet"))
        if named is None or not any(form.lower() in lead.lower() for form in _forms(named)):
            bad.append(f"{p.get('outlet')!r}: {lead[:80]}")
    return Check("leads without a real outlet", str(len(bad)), not bad, tuple(bad[:5]))


def _forms(outlet: str) -> list[str]:
    return [outlet, outlet.removeprefix("The "), *(k for k, v in OUTLET_FORMS.items() if v == outlet)]


def structural_checks(report: Mapping, pdf: Path, index: LabelIndex) -> list[Check]:
    """All the checks of issue 11's "What it must show", in its order."""
    return [
        check_paragraph_count(report),
        check_pages(pdf),
        check_one_paragraph_per_story(report, index),
        check_no_off_topic(report, index),
        check_no_cut_off_quotes(report),
        check_leads_name_outlets(report),
    ]

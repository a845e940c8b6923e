"""A real month, end to end: October 2023 replayed from its daily feed captures becomes a brief.

The corpus (../shared/corpus/feeds-2023-10) is served on 127.0.0.1 one file a day, ingested day by day into
a fresh store and built with `reporter build japan --period 2023-10` (bench/october.py, the same replay as
`scripts/corpus-build`). The report is then read back as issue 11 says an analyst needs it.

Checks the code meets are plain asserts: 30 to 60 paragraphs, at most 12 PDF pages, no paragraph on a
sports, entertainment or crime item, no quoted sentence ending in "…", every lead naming a real outlet,
no labelled story told in two paragraphs (met since follow-ups days apart join their story, 2026-12-02).
The labels' own consistency is checked without the corpus, in a fast test.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import october  # noqa: E402
import october_checks as checks  # noqa: E402

CORPUS = next((p for p in october.DEFAULT_CORPORA if (p / "rss").is_dir()), None)
needs_corpus = pytest.mark.skipif(
    CORPUS is None,
    reason="no October 2023 corpus (expected ../shared/corpus/feeds-2023-10 beside the checkout)",
)


def _slow(test):
    """An end-to-end test of the replayed month: slow (minutes on 2 cores), and it needs the corpus."""
    return pytest.mark.slow(pytest.mark.timeout(1200)(needs_corpus(test)))


@pytest.fixture(scope="module")
def october_build(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """October built once from the replay: its JSON, the PDF's path, the labels and the timings."""
    out = tmp_path_factory.mktemp("october2023")
    timings = october.run(out, CORPUS, say=lambda line: None)
    report = json.loads(october.report_path(out, "json").read_text(encoding="utf-8"))
    return {
        "out": out,
        "report": report,
        "pdf": october.report_path(out, "pdf"),
        "index": checks.LabelIndex(checks.load_labels()),
        "timings": timings,
    }


def test_the_labels_are_a_development_set_of_the_size_the_issue_asks() -> None:
    labels = checks.load_labels()
    urls = [x["url"] for x in labels]
    stories = Counter(x["story"] for x in labels if x["story"])
    assert len(labels) >= 300 and len(set(urls)) == len(urls)
    assert sum(1 for n in stories.values() if n >= 2) >= 40


def test_every_label_uses_the_japan_reports_section_names() -> None:
    project = yaml.safe_load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
    japan = next(r for r in project["reports"] if r["slug"] == "japan")
    names = {s["name"] for s in japan["sections"]}
    for label in checks.load_labels():
        if label["relevant"]:
            assert label["section"] in names and set(label["also_ok"]) <= names, label["title"]
            assert label["topic"] == "foreign-relations"
        else:
            assert label["section"] is None and label["also_ok"] == [], label["title"]
        assert not label["borderline"] or label["note"], label["title"]  # a borderline label says why


def test_the_committed_replay_config_has_the_projects_sections() -> None:
    committed = yaml.safe_load(october.CONFIG.read_text(encoding="utf-8"))["reports"][0]["sections"]
    project = yaml.safe_load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
    japan = next(r for r in project["reports"] if r["slug"] == "japan")
    assert [s["name"] for s in committed] == [s["name"] for s in japan["sections"]]


@_slow
def test_every_day_is_ingested_without_a_feed_failing_and_all_four_formats_are_written(
    october_build: dict,
) -> None:
    days = october_build["timings"]["ingest"]["days"]
    assert len(days) == 32 and days[0]["day"] == "2023-09-28" and days[-1]["day"] == "2023-10-31"
    assert not [d for d in days if d["failed"]]
    assert sum(d["new"] for d in days) > 5000  # 5,533 entries, a few the same story under two URLs
    for fmt in ("html", "pdf", "json", "md"):
        assert october.report_path(october_build["out"], fmt).stat().st_size > 0


@_slow
def test_the_json_accounts_for_the_labelled_entries_in_its_decisions(october_build: dict) -> None:
    rows = october_build["report"].get("decisions")
    assert isinstance(rows, list) and rows
    index = october_build["index"]
    found = {id(label) for row in rows if (label := index.find(row.get("url"), row.get("title")))}
    assert len(found) >= 0.95 * len(index.labels)


# What an analyst reads the month's report for, each a check of bench/october_checks.py on the build.
READER_CHECKS = {
    "the report has 30 to 60 paragraphs": lambda b: checks.check_paragraph_count(b["report"]),
    "the PDF has at most 12 pages": lambda b: checks.check_pages(b["pdf"]),
    "no labelled story is told in two paragraphs": lambda b: checks.check_one_paragraph_per_story(
        b["report"], b["index"]
    ),
    "no paragraph is about sports, entertainment or crime": lambda b: checks.check_no_off_topic(
        b["report"], b["index"]
    ),
    "no quoted sentence ends cut off": lambda b: checks.check_no_cut_off_quotes(b["report"]),
    "every lead names a real outlet": lambda b: checks.check_leads_name_outlets(b["report"]),
}


@_slow
@pytest.mark.parametrize("claim", list(READER_CHECKS))
def test_the_report_reads_as_an_analyst_needs(october_build: dict, claim: str) -> None:
    check = READER_CHECKS[claim](october_build)
    assert check.ok, (check.value, check.examples)

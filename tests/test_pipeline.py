"""The pipeline's own glue: last period's coverage, read back from its published JSON."""

from __future__ import annotations

import json
from pathlib import Path

from reporter.models import Period, ReportSpec, Section
from reporter.pipeline import previous_counts

SPEC = ReportSpec(
    slug="japan", subject="JP", subject_name="Japan", title="{subject}", sections=(Section("China"),)
)


def test_last_periods_counts_come_from_its_published_json(tmp_path: Path) -> None:
    folder = tmp_path / "japan" / "2025-10"
    folder.mkdir(parents=True)
    coverage = [{"section": "China", "items": 4, "items_last_period": None}]
    (folder / "japan-2025-10.json").write_text(json.dumps({"coverage": coverage}), encoding="utf-8")
    assert previous_counts(tmp_path, SPEC, Period.parse("2025-11")) == {"China": 4}


def test_a_first_period_has_nothing_to_compare_with(tmp_path: Path) -> None:
    assert previous_counts(tmp_path, SPEC, Period.parse("2025-11")) is None


def test_the_period_before_january_is_last_december(tmp_path: Path) -> None:
    folder = tmp_path / "japan" / "2025-12"
    folder.mkdir(parents=True)
    (folder / "japan-2025-12.json").write_text('{"coverage": []}', encoding="utf-8")
    assert previous_counts(tmp_path, SPEC, Period.parse("2026-01")) == {}

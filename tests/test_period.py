"""One period rule: "the month just ended" is read on the report's own calendar by every caller."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from reporter import pipeline
from reporter.cli import create_app
from reporter.models import FORMATS, Period, ReportSpec, Schedule, Section, parse_formats, resolve_period
from tests.scheduler_support import FAST_FORMATS, write_project

# 06:00 on 1 December in Tokyo is still 30 November in UTC.
TOKYO_MORNING = datetime(2025, 12, 1, 6, 0, tzinfo=ZoneInfo("Asia/Tokyo")).astimezone(UTC)


def spec(timezone: str = "Asia/Tokyo", months: int = 1) -> ReportSpec:
    return ReportSpec(
        slug="japan",
        subject="JP",
        subject_name="Japan",
        title="{subject} ({period})",
        sections=(Section("Overview", overview=True),),
        schedule=Schedule(timezone=timezone),
        period_months=months,
    )


def test_the_period_just_closed_is_read_in_the_reports_time_zone() -> None:
    assert TOKYO_MORNING.day == 30
    assert spec("Asia/Tokyo").closed_period(TOKYO_MORNING) == Period.parse("2025-11")
    assert spec("UTC").closed_period(TOKYO_MORNING) == Period.parse("2025-10")


def test_a_period_is_over_on_the_reports_calendar_by_the_same_rule() -> None:
    november = Period.parse("2025-11")
    assert spec("Asia/Tokyo").is_over(november, TOKYO_MORNING)  # the scheduler's 06:00 build may run
    assert not spec("UTC").is_over(november, TOKYO_MORNING)  # still 30 November in UTC


def test_resolve_period_takes_the_given_month_or_the_one_just_closed() -> None:
    assert resolve_period(spec(), None, TOKYO_MORNING).key == "2025-11"
    assert resolve_period(spec(months=3), "2025-06", TOKYO_MORNING) == Period.month(2025, 6, 3)
    with pytest.raises(ValueError, match="2025-11"):
        resolve_period(spec(), "November", TOKYO_MORNING)


def test_the_previous_period_has_the_same_length_and_ends_where_this_one_starts() -> None:
    assert Period.parse("2025-01").previous() == Period.parse("2024-12")
    quarter = Period.month(2025, 6, 3)
    assert quarter.months == 3
    assert quarter.previous() == Period.month(2025, 3, 3)
    assert quarter.previous().end == quarter.start


def test_formats_are_parsed_once_and_a_bad_one_names_the_valid_ones() -> None:
    assert parse_formats(" json, md ") == ("json", "md")
    with pytest.raises(ValueError) as caught:
        parse_formats("json,docx")
    assert "docx" in str(caught.value) and all(f in str(caught.value) for f in FORMATS)
    with pytest.raises(ValueError, match=r"\(none\)"):
        parse_formats(" , ")


@pytest.mark.parametrize("command", ["build", "run"])
def test_format_errors_on_the_command_line_list_the_valid_formats(command: str) -> None:
    result = CliRunner().invoke(create_app(), [command, "japan", "--format", "docx"])
    assert result.exit_code == 2
    assert "docx" in result.output and "html, pdf, json, md" in result.output


@pytest.fixture
def tokyo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pipeline.Context:
    monkeypatch.setenv("REPORTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REPORTER_OUTPUT_DIR", str(tmp_path / "output"))
    context = pipeline.open_context(write_project(tmp_path, timezone="Asia/Tokyo"))
    context.clock = lambda: TOKYO_MORNING
    yield context
    context.close()


def test_a_skipped_build_says_why_on_the_result(tokyo: pipeline.Context) -> None:
    japan = tokyo.config.report("japan")
    period = resolve_period(japan, None, tokyo.now())
    first = pipeline.build(tokyo, japan, period, formats=FAST_FORMATS)
    again = pipeline.build(tokyo, japan, period, formats=FAST_FORMATS)
    assert first.skip is None
    assert again.skip is not None and again.skip.done
    assert again.skip.reason.startswith("already built on ") and "--force" in again.skip.reason


def test_a_build_another_process_holds_is_never_called_already_built(tokyo: pipeline.Context) -> None:
    japan = tokyo.config.report("japan")
    tokyo.store.builds.claim("japan", "2025-11", "far-away:1:1")
    result = pipeline.build(tokyo, japan, Period.parse("2025-11"), formats=FAST_FORMATS)
    assert result.skip is not None and not result.skip.done
    assert result.skip.reason.startswith("being built by far-away:1:1 since ")
    assert "already" not in result.skip.reason


def test_the_index_uses_the_projects_template_override(tokyo: pipeline.Context) -> None:
    templates = tokyo.config.settings.templates_dir
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "index.html.j2").write_text("<p>our own index: {{ entries|length }}</p>", encoding="utf-8")
    japan = tokyo.config.report("japan")
    pipeline.build(tokyo, japan, Period.parse("2025-11"), formats=FAST_FORMATS)
    index = tokyo.config.settings.output_dir / "index.html"
    assert index.read_text(encoding="utf-8") == "<p>our own index: 1</p>"

"""feeds.yaml: the shipped file is valid, and a broken one gets every problem listed with its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reporter.config import load_config, parse_config
from reporter.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def parse(text: str, env: dict[str, str] | None = None):
    return parse_config(textwrap.dedent(text), config_path=Path("/project/feeds.yaml"), env=env or {})


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse(text)
    return caught.value.problems


def test_the_shipped_feeds_yaml_describes_the_japan_report_in_the_march_2024_order() -> None:
    config = load_config(REPO / "feeds.yaml", env={})
    japan = config.report("japan")
    assert japan.subject == "JP" and japan.subject_name == "Japan"
    assert [s.name for s in japan.sections] == [
        "Overview", "United States", "China", "Taiwan", "Russia and Ukraine", "South Korea",
        "North Korea", "Southeast Asia", "South Asia", "Central Asia", "Australia and Pacific Islands",
        "Europe", "Middle East", "Africa and Latin America",
    ]  # fmt: skip
    assert japan.sections[0].overview
    assert len(config.feeds) >= 5 and all(f.url.startswith("https://") for f in config.feeds)
    assert japan.schedule.timezone == "Asia/Tokyo"


def test_paths_resolve_against_the_config_folder_and_the_environment_overrides_them() -> None:
    minimal = """
        reports:
          - slug: japan
            subject: JP
            sections: [{name: Overview}]
    """
    config = parse(minimal)
    assert config.settings.output_dir == Path("/project/output")
    assert config.settings.database_url == "sqlite:////project/.reporter/reporter.db"
    config = parse(
        minimal,
        env={
            "REPORTER_DATA_DIR": "/scratch/data",
            "REPORTER_OUTPUT_DIR": "/scratch/out",
            "REPORTER_DATABASE_URL": "postgresql+psycopg://u@db/reporter",
        },
    )
    assert config.settings.data_dir == Path("/scratch/data")
    assert config.settings.output_dir == Path("/scratch/out")
    assert config.settings.database_url == "postgresql+psycopg://u@db/reporter"


def test_every_problem_is_reported_at_once_with_its_line() -> None:
    problems = problems_of(
        """\
        feeds:
          - name: diplomat
            url: ftp://thediplomat.com/feed/
            timout: 10
        reports:
          - slug: japan
            subject: JP
            sections:
              - name: Overview
              - name: Europe
                members: [NO, XX]
            schedule:
              cron: "0 6 32 * *"
              timezone: Asia/Tokio
            period:
              months: "one"
        """
    )
    # Type errors and the checks beyond types come in one list, in line order: nothing waits for a rerun.
    assert problems == [
        "line 3: feeds[0].url: only http and https URLs are fetched, not 'ftp://thediplomat.com/feed/'",
        "line 4: feeds[0]: unknown key 'timout' (did you mean 'timeout'?)",
        "line 11: reports[0].sections[1].members[0]: YAML read the bare word NO as a boolean; "
        'quote it ("NO") if you meant the text',
        "line 11: reports[0].sections[1].members[1]: unknown country code 'XX' "
        "(`reporter check --codes` lists them)",
        "line 13: reports[0].schedule.cron: bad cron line '0 6 32 * *': day of month 32 is not in 1-31",
        "line 14: reports[0].schedule.timezone: unknown time zone 'Asia/Tokio' (did you mean Asia/Tokyo?)",
        "line 16: reports[0].period.months: Input should be a valid integer (got 'one')",
    ]


def test_a_value_of_the_wrong_type_gets_one_message_not_two() -> None:
    problems = problems_of(
        """\
        reports:
          - slug: 7
            subject: [JP]
            sections: [{name: Overview, members: KR}]
            schedule: {cron: 6, timezone: 9}
        """
    )
    assert [p.split(":", 2)[1].strip() for p in problems] == [
        "reports[0].slug",
        "reports[0].subject",
        "reports[0].sections[0].members",
        "reports[0].schedule.cron",
        "reports[0].schedule.timezone",
    ]
    assert all("Input should be a valid" in p for p in problems)


def test_a_duplicate_key_is_listed_with_the_other_problems() -> None:
    problems = problems_of(
        """\
        reports:
          - slug: japan
            subject: JP
            subject: XX
            sections: [{name: Overview}]
            schedule: {cron: "61 25 * * *"}
        """
    )
    assert problems == [
        "line 4: reports[0].subject: given twice (lines 3 and 4); keep one",
        "line 4: reports[0].subject: unknown country code 'XX' (use ISO codes such as JP; "
        "`reporter check --codes` lists them)",
        "line 6: reports[0].schedule.cron: bad cron line '61 25 * * *': minute 61 is not in 0-59; "
        "hour 25 is not in 0-23",
    ]


def test_semantic_problems_are_all_listed_too() -> None:
    problems = problems_of(
        """\
        feeds:
          - name: diplomat
            url: file:///etc/passwd
        reports:
          - slug: japan
            subject: JP
            feeds: [diplomat, kyodo]
            sections:
              - name: Europe
                members: [FR, XX]
            schedule:
              cron: "0 6 32 * *"
              timezone: Asia/Tokio
        """
    )
    text = "\n".join(problems)
    assert "line 3: feeds[0].url: only http and https URLs are fetched" in text
    assert "line 7: reports[0].feeds[1]: no feed named 'kyodo'" in text
    assert "line 10: reports[0].sections[0].members[1]: unknown country code 'XX'" in text
    assert "line 12: reports[0].schedule.cron: bad cron line" in text
    assert "line 13: reports[0].schedule.timezone: unknown time zone 'Asia/Tokio'" in text
    assert len(problems) == 5


def test_yaml_syntax_errors_name_their_line() -> None:
    problems = problems_of("reports:\n  - slug: japan\n   subject: JP\n")
    assert problems[0].startswith("line 3: not valid YAML")


def test_a_missing_reports_list_is_named() -> None:
    assert problems_of("feeds: []\n") == ["line 1: reports: required key is missing"]


def test_a_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml", env={})
    assert "file not found" in str(caught.value)
    assert "--config" in (caught.value.hint or "")


def test_smtp_settings_come_from_file_and_environment_and_the_password_only_from_the_environment() -> None:
    config = parse(
        """
        smtp: {host: mail.example.org, port: 465, ssl: true, from: briefs@example.org}
        reports: [{slug: japan, subject: JP, sections: [{name: Overview}]}]
        """,
        env={"REPORTER_SMTP_HOST": "localhost", "REPORTER_SMTP_PASSWORD": "s3cret"},
    )
    assert config.smtp.host == "localhost" and config.smtp.port == 465 and config.smtp.ssl
    assert config.smtp.from_addr == "briefs@example.org"
    assert config.smtp.password == "s3cret" and "s3cret" not in repr(config.smtp)


def test_every_key_of_the_schema_says_what_it_is_for() -> None:
    from reporter.config.schema import MODELS

    undescribed = [
        f"{model.__name__}.{name}"
        for model in MODELS.values()
        for name, info in model.model_fields.items()
        if not (info.description or "").strip()
    ]
    assert undescribed == []


def test_the_environment_overrides_smtp_settings_named_in_the_schema() -> None:
    from reporter.config.schema import SmtpModel, env_var

    assert env_var(SmtpModel, "host") == "REPORTER_SMTP_HOST"
    config = parse(
        """
        smtp: {host: mail.example.org, port: 25, starttls: false}
        reports: [{slug: japan, subject: JP, sections: [{name: Overview}]}]
        """,
        env={
            "REPORTER_SMTP_HOST": "relay.test",
            "REPORTER_SMTP_PORT": "2525",
            "REPORTER_SMTP_STARTTLS": "yes",
        },
    )
    assert (config.smtp.host, config.smtp.port, config.smtp.starttls) == ("relay.test", 2525, True)


def test_an_unknown_country_code_suggests_the_one_meant() -> None:
    problems = problems_of(
        """\
        reports:
          - slug: japan
            subject: JPN
            sections:
              - name: Korea
                members: [NK, Japan, ASAEN]
        """
    )
    text = "\n".join(problems)
    assert "subject: unknown country code 'JPN' (did you mean JP?;" in text
    assert "unknown country code 'NK' (did you mean KP? `reporter check --codes` lists them)" in text
    assert "unknown country code 'Japan' (did you mean JP?" in text
    assert "unknown country code 'ASAEN' (did you mean ASEAN?" in text


def test_a_tab_a_folder_and_a_bad_term_are_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as tab:
        parse("reports:\n\t- slug: japan\n")
    assert tab.value.problems == ["line 2: not valid YAML: found character '\\t' that cannot start any token"]
    assert tab.value.hint == "YAML indents with spaces, never tabs: replace the tab on that line with spaces"
    with pytest.raises(ConfigError) as folder:
        load_config(tmp_path, env={})
    assert folder.value.problems == ["is a folder, not a file"]
    assert folder.value.hint == f"pass the file itself: --config {tmp_path / 'feeds.yaml'}"
    (problem,) = problems_of(
        "reports: [{slug: japan, subject: JP, sections: [{name: Overview}], relevance: {include: ['((']}}]\n"
    )
    assert problem.startswith("line 1: reports[0].relevance.include: '((' is not a term")  # no "Value error,"


def test_every_bad_environment_value_is_listed_together_and_with_the_files_problems() -> None:
    env = {
        "REPORTER_SMTP_PORT": "abc",
        "REPORTER_SMTP_SSL": "ture",  # was read as false, silently
        "REPORTER_PDF_TIMEOUT": "-1",
        "REPORTER_TASK_QUEUE": "celery",
    }
    said = [
        "environment: REPORTER_PDF_TIMEOUT='-1' must be above 0 (e.g. REPORTER_PDF_TIMEOUT=300.0)",
        "environment: REPORTER_SMTP_PORT='abc' is not a whole number (e.g. REPORTER_SMTP_PORT=587)",
        "environment: REPORTER_SMTP_SSL='ture' is not true or false (set REPORTER_SMTP_SSL=true or "
        "REPORTER_SMTP_SSL=false)",
        "environment: REPORTER_TASK_QUEUE='celery' is not a task queue (use inline, the default, or "
        "procrastinate)",
    ]
    with pytest.raises(ConfigError) as with_file:
        parse("reports: [{slug: japan, subject: JPN, sections: [{name: Overview}]}]\n", env=env)
    assert with_file.value.problems[0].startswith("line 1: reports[0].subject: unknown country code 'JPN'")
    assert with_file.value.problems[1:] == said
    with pytest.raises(ConfigError) as alone:
        parse("reports: [{slug: japan, subject: JP, sections: [{name: Overview}]}]\n", env=env)
    assert str(alone.value).startswith("environment: 4 problems:")
    assert alone.value.problems == [p.removeprefix("environment: ") for p in said]
    fine = parse(
        "reports: [{slug: japan, subject: JP, sections: [{name: Overview}]}]\n",
        env={"REPORTER_SMTP_SSL": "YES", "REPORTER_SMTP_PORT": " 465 ", "REPORTER_TASK_QUEUE": ""},
    )
    assert fine.smtp.ssl and fine.smtp.port == 465 and fine.tasks.queue == "inline"

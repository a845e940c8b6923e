"""What feeds.yaml allows but nobody means: no reports at all, or a report that reads nothing.

Both load and build without an error (an empty list is a valid list, and an empty report a valid
report), so they are warnings of `reporter check`, not problems of the file: a new project may well
be saved half-written, and an operator may switch a report's sources off for a while.
"""

from __future__ import annotations

from reporter.check.finding import Finding
from reporter.config import Config

EXAMPLE = "- {slug: japan, subject: JP, sections: [{name: Overview}]}"


def report_findings(config: Config) -> list[Finding]:
    """One finding on the reports: none configured, or each that has no source, or all fine."""
    if not config.reports:
        return [
            Finding(
                "reports",
                False,
                "`reports:` is empty, so nothing is ever built, scheduled or sent",
                f"add a report under `reports:` in feeds.yaml, e.g. `{EXAMPLE}` "
                "(`reporter check --schema` lists its keys, `reporter check --codes` the country codes)",
                required=False,
            )
        ]
    enabled = {f.name for f in config.feeds if f.enabled}
    silent = [r.slug for r in config.reports if not r.seeds and not enabled.intersection(r.feeds)]
    if silent:
        return [
            Finding(
                "reports",
                False,
                f"{', '.join(silent)} read{'s' if len(silent) == 1 else ''} no enabled feed and no seed "
                "documents, so every issue would be empty",
                "list feeds under the report's `feeds:` (or `all`) and define them under `feeds:`, "
                "enable them, or set seeds: true",
                required=False,
            )
        ]
    names = ", ".join(r.slug for r in config.reports)
    return [Finding("reports", True, f"{len(config.reports)} configured: {names}")]

"""The README's first command in a scratch folder: seeds in, a dated Japan report out, read back."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reporter.cli import create_app

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="needs poppler-utils (scripts/setup)"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Build the November 2025 Japan report once for this module's tests."""
    import os

    from tests.conftest import REPO, closed_port

    root = tmp_path_factory.mktemp("e2e")
    shutil.copytree(REPO / "seeds", root / "seeds")
    port = closed_port()
    config = (REPO / "feeds.yaml").read_text(encoding="utf-8")
    config = "\n".join(
        line.split("url:")[0] + f"url: http://127.0.0.1:{port}/feed.xml" if "url: http" in line else line
        for line in config.splitlines()
    )
    (root / "feeds.yaml").write_text(config, encoding="utf-8")
    old = Path.cwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(create_app(), ["build", "japan", "--period", "2025-11"])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    return root, result.output


def test_the_build_prints_where_it_wrote_each_format(built: tuple[Path, str]) -> None:
    root, output = built
    for ext in ("html", "pdf", "json", "md"):
        path = root / "output" / "japan" / "2025-11" / f"japan-2025-11.{ext}"
        assert path.exists()
        assert str(path) in output
    assert (root / "output" / "index.html").exists()


def test_unreachable_feeds_are_each_reported_in_one_line_and_the_report_is_still_built(
    built: tuple[Path, str],
) -> None:
    _, output = built
    assert output.count("  failed: ") == 8
    assert "Country Report: Japan (November 2025)" in output


def test_the_pdf_carries_the_title_and_the_sections_that_have_content(built: tuple[Path, str]) -> None:
    root, _ = built
    pdf = root / "output" / "japan" / "2025-11" / "japan-2025-11.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Country Report: Japan (November 2025)" in " ".join(text.split())
    report = json.loads((pdf.with_suffix(".json")).read_text(encoding="utf-8"))
    headings = [s["name"] for s in report["sections"] if s["paragraphs"]]
    assert len(headings) >= 3
    for heading in headings:
        assert heading in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:" in info

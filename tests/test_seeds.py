"""Seeds: the text says what it can (date line, byline, outlet, month in the title); the manifest the rest."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from reporter.errors import SeedError
from reporter.nlp.sniff import sniff
from reporter.sources.seeds import read_manifest, read_seed_file, read_seeds

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 12, 1, tzinfo=UTC)


def test_seed_001_states_its_own_date_outlet_and_author() -> None:
    meta = sniff((REPO / "seeds" / "001_68c7ef664bad3911.txt").read_text(encoding="utf-8"))
    assert meta.date == date(2025, 11, 10) and meta.date_precision == "day"
    assert meta.outlet == "Geopolitical Monitor"
    assert meta.authors == ("Jonathan Bak",)


def test_seed_004_carries_its_month_in_its_title() -> None:
    meta = sniff((REPO / "seeds" / "004_8f143e0452b9bb7c.txt").read_text(encoding="utf-8"))
    assert meta.title == "Country Report: Japan (March 2024)"
    assert meta.date == date(2024, 3, 1) and meta.date_precision == "month"


def test_seed_002_names_its_authors_and_outlet_under_the_title() -> None:
    meta = sniff((REPO / "seeds" / "002_4b5688a73c6bb6a7.txt").read_text(encoding="utf-8"))
    assert meta.outlet == "Modern Tokyo Times"
    assert meta.authors == ("Noriko Watanabe", "Lee Jay Walker")


def test_a_dateline_is_found_at_the_start_of_the_body() -> None:
    assert sniff("Tokyo— Less than a month into office, the prime minister spoke.").dateline == "Tokyo"


def test_the_manifest_fills_in_only_what_the_text_does_not_say() -> None:
    entries, failures = read_seeds(REPO / "seeds", now=NOW)
    assert failures == []
    by_file = {e.path: e for e in entries}
    assert by_file["001_68c7ef664bad3911.txt"].date_source == "text"
    assert by_file["001_68c7ef664bad3911.txt"].outlet == "Geopolitical Monitor"
    assert by_file["004_8f143e0452b9bb7c.txt"].date_source == "title"
    assert by_file["004_8f143e0452b9bb7c.txt"].outlet == "The Asan Forum"
    assert by_file["000_a5a756bdb41c04e9.txt"].date_source == "manifest"
    assert by_file["000_a5a756bdb41c04e9.txt"].outlet is None  # unknown, and not invented


def test_a_seed_in_the_wrong_encoding_is_named_with_a_fix_and_the_others_are_read(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Japan and Korea met in Seoul.", encoding="utf-8")
    (tmp_path / "latin.txt").write_bytes(
        "Japan’s envoy met the Türkiye delegation in Ankara. ".encode("cp1252") * 5
    )
    entries, failures = read_seeds(tmp_path, now=NOW)
    assert [e.path for e in entries] == ["good.txt"]
    (failure,) = failures
    assert failure.source == "seeds/latin.txt"
    assert "not valid utf-8 at byte" in (failure.error or "")
    assert "iconv" in (failure.hint or "") and "encoding:" in (failure.hint or "")


def test_a_declared_encoding_in_the_manifest_is_honoured(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes("Japan’s envoy met officials in Ankara.".encode("cp1252"))
    (tmp_path / "seeds.yaml").write_text(
        "latin.txt: {encoding: cp1252, date: 2025-11-03}\n", encoding="utf-8"
    )
    entry = read_seed_file(tmp_path / "latin.txt", read_manifest(tmp_path)["latin.txt"], now=NOW)
    assert entry.content.startswith("Japan’s envoy")
    assert entry.published == datetime(2025, 11, 3, tzinfo=UTC)


def test_a_broken_manifest_is_reported_and_the_seeds_are_still_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Japan and China talked.", encoding="utf-8")
    (tmp_path / "seeds.yaml").write_text("a.txt: {date: soon, colour: red}\n", encoding="utf-8")
    with pytest.raises(SeedError) as caught:
        read_manifest(tmp_path)
    assert "date must be YYYY-MM-DD" in str(caught.value) and "unknown key(s) colour" in str(caught.value)
    entries, failures = read_seeds(tmp_path, now=NOW)
    assert [e.path for e in entries] == ["a.txt"] and failures[0].source == "seeds/seeds.yaml"


def test_an_empty_seed_is_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    entries, failures = read_seeds(tmp_path, now=NOW)
    assert entries == [] and "empty" in (failures[0].error or "")


def test_what_sniff_reads_at_ingest_travels_with_the_item_and_holds_in_its_stored_text() -> None:
    from reporter.normalize import normalize

    raw = read_seed_file(REPO / "seeds" / "002_4b5688a73c6bb6a7.txt", now=NOW)
    item = normalize(raw, now=NOW)
    assert item.header is not None and item.header == raw.header
    assert item.header == sniff(item.text)  # the offsets are into Item.text, as analysis reads it
    assert item.header.outlet == "Modern Tokyo Times" and item.header.body_start > 0

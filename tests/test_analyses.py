"""Analysis is stored: each item analysed once, reused by every build and report, redone when it changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect

from reporter import pipeline
from reporter.models import Period
from reporter.nlp import model as nlp_model
from reporter.nlp.analyze import Analyzer
from reporter.nlp.record import decode, encode
from reporter.store import Store
from reporter.store import analyses as analyses_module

PERIOD = Period.parse("2025-11")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.create()


def context(project: Path) -> pipeline.Context:
    """A context as the CLI opens it: the analyzer is loaded only if something needs analysing."""
    return pipeline.open_context(project / "feeds.yaml")


def forbid_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("nothing should be analysed: every item has a stored analysis")

    monkeypatch.setattr(Analyzer, "create", classmethod(refuse))


def build_json(ctx: pipeline.Context, *, force: bool = True):
    return pipeline.build(ctx, ctx.config.report("japan"), PERIOD, formats=("json",), force=force)


def test_a_build_stores_each_items_analysis_and_the_next_build_only_reads_it(seeds_only, monkeypatch):
    ctx = context(seeds_only)
    pipeline.ingest_seeds(ctx)
    first = build_json(ctx)
    # The build analysed the items of its window (the period, two months before, one after), once.
    window = ctx.store.items.for_sources(
        ["seeds"], since=PERIOD.start_dt - timedelta(days=62), until=PERIOD.end_dt + timedelta(days=31)
    )
    items = len(window)
    version = nlp_model.current_version()
    assert items and ctx.store.analyses.count(version) == items
    ctx.close()

    forbid_analysis(monkeypatch)
    again = context(seeds_only)
    second = build_json(again)
    assert second.report.sections == first.report.sections
    assert again.store.analyses.versions() == {version: items}


def test_one_stored_analysis_serves_reports_on_different_subjects(seeds_only, analyzer):
    ctx = context(seeds_only)
    pipeline.ingest_seeds(ctx)
    japan = ctx.config.report("japan")
    china = replace(japan, slug="china", subject="CN", subject_name="China")
    items = ctx.store.items.for_sources(["seeds"])
    records = dict(zip([i.id for i in items], analyzer.read(items), strict=True))
    ctx.store.analyses.save((i, records[i.id]) for i in items)
    ctx._analyzer = analyzer
    for_japan = pipeline.analyses_for(ctx, items, japan)
    for_china = pipeline.analyses_for(ctx, items, china)
    assert ctx.store.analyses.count() == len(items)
    # The same text read once; the subject decides what counts, where it goes, and (in an article
    # without headings) which paragraphs are one passage.
    assert [a.passages[0].start for a in for_japan] == [a.passages[0].start for a in for_china]
    assert [p.section for a in for_japan for p in a.passages] != [
        p.section for a in for_china for p in a.passages
    ]
    # Placed from the store, a passage is what the analyzer gives directly for that report.
    assert for_japan == list(analyzer.analyze(items, japan))


def test_a_new_analyzer_version_analyses_again_when_next_needed(seeds_only, monkeypatch):
    ctx = context(seeds_only)
    pipeline.ingest_seeds(ctx)
    build_json(ctx)
    old = nlp_model.current_version()
    monkeypatch.setattr(nlp_model, "CODE_VERSION", 999)
    new = nlp_model.current_version()
    assert new != old and ctx.store.analyses.count(new) == 0
    fresh = context(seeds_only)
    build_json(fresh)
    assert set(fresh.store.analyses.versions()) == {new}


def short_items(n: int, **changes) -> list:
    from tests.test_store import an_item

    return [an_item(i + 1, **changes) for i in range(n)]


def test_reanalyze_redoes_every_stored_item(tmp_path, analyzer):
    ctx = pipeline.Context(config=None, store=Store.open(f"sqlite:///{tmp_path / 'r.db'}"))  # type: ignore[arg-type]
    ctx._analyzer = analyzer
    ctx.store.items.add(short_items(3), source="diplomat")
    assert pipeline.analyze_stale(ctx).analysed == 3
    assert pipeline.analyze_stale(ctx).analysed == 0  # nothing stale: nothing done
    assert pipeline.analyze_stale(ctx, reanalyze=True).analysed == 3


def test_an_item_whose_text_changed_is_analysed_again(tmp_path, analyzer):
    ctx = pipeline.Context(config=None, store=Store.open(f"sqlite:///{tmp_path / 'e.db'}"))  # type: ignore[arg-type]
    ctx._analyzer = analyzer
    ctx.store.items.add(short_items(2, kind="seed"), source="seeds")
    pipeline.analyze_stale(ctx)
    (edited,) = short_items(1, kind="seed", text="Japan and India held talks in Delhi.", content_hash="new")
    ctx.store.items.add([edited], source="seeds")  # a seed edited in place keeps its id, gets the new text
    assert [i.id for i in ctx.store.analyses.stale(analyzer.version)] == [edited.id]
    assert pipeline.analyze_stale(ctx).analysed == 1
    (record,) = ctx.store.analyses.load([edited], analyzer.version).values()
    assert {m.code for m in record.mentions} == {"JP", "IN"}


def test_the_record_survives_the_store_unchanged(seeds_only, analyzer):
    ctx = context(seeds_only)
    pipeline.ingest_seeds(ctx)
    items = ctx.store.items.for_sources(["seeds"])
    records = list(analyzer.read(items))
    assert [decode(encode(r)) for r in records] == records
    ctx.store.analyses.save(zip(items, records, strict=True))
    loaded = ctx.store.analyses.load(items, analyzer.version)
    assert [loaded[i.id] for i in items] == records


def test_a_second_read_in_the_same_process_decodes_nothing(tmp_path, analyzer, monkeypatch):
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    items = short_items(3)
    store.items.add(items, source="diplomat")
    store.analyses.save(zip(items, analyzer.read(items), strict=True))
    first = store.analyses.load(items, analyzer.version)
    decoded: list[bytes] = []
    monkeypatch.setattr(analyses_module, "decode", lambda data: decoded.append(data) or decode(data))
    assert store.analyses.load(items, analyzer.version) == first
    assert decoded == []
    # Another version, or the item's text changed: the kept record does not count.
    assert store.analyses.load(items, "another-version") == {}
    changed = replace(items[0], content_hash="edited")
    assert store.analyses.load([changed], analyzer.version) == {}


def test_an_existing_store_is_upgraded_in_place_and_keeps_its_items(tmp_path):
    from alembic import command
    from alembic.config import Config

    from reporter.store.db import MIGRATIONS, connect
    from tests.test_store import an_item

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = connect(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0002")  # the store as it was before analyses were kept
    assert "analyses" not in inspect(engine).get_table_names()
    from tests.test_store_migrations import store_as_an_older_release

    store_as_an_older_release(engine, [an_item(1), an_item(2)], source="diplomat")  # 0002's columns only
    engine.dispose()

    store = Store.open(url)
    assert "analyses" in inspect(store.engine).get_table_names()
    assert store.items.count() == 2 and store.items.get("item-1") == an_item(1)
    assert [i.id for i in store.analyses.stale("any-version")] == ["item-1", "item-2"]


def test_many_items_are_analysed_in_worker_processes_with_the_same_result(analyzer):
    from reporter.nlp.pool import analyze_in_pool

    items = short_items(5)
    here = list(analyzer.read(items))
    there = list(analyze_in_pool(items, workers=2))
    assert [item.id for item, _, _ in there] == [i.id for i in items]
    assert [decode(data) for _, _, data in there] == here
    assert {version for _, version, _ in there} == {analyzer.version}


def test_the_store_keeps_analyses_on_sqlite_and_postgresql(database_url, analyzer):
    store = Store.open(database_url)
    items = short_items(3)
    store.items.add(items, source="diplomat")
    records = list(analyzer.read(items))
    assert store.analyses.save(zip(items[:2], records[:2], strict=True)) == 2
    assert store.analyses.save(zip(items[:2], records[:2], strict=True)) == 2  # again: replaced, not doubled
    assert store.analyses.count() == 2
    expected = {i.id: r for i, r in zip(items[:2], records[:2], strict=True)}
    assert store.analyses.load(items, analyzer.version) == expected
    assert store.analyses.load(items, "another-version") == {}
    assert [i.id for i in store.analyses.stale(analyzer.version)] == [items[2].id]
    assert store.analyses.forget("another-version") == 2 and store.analyses.count() == 0
    store.close()


def test_when_a_worker_dies_the_rest_is_analysed_in_process_and_nothing_is_lost(
    tmp_path, analyzer, monkeypatch
):
    from concurrent.futures.process import BrokenProcessPool

    from reporter.nlp import pool
    from reporter.nlp.stored import Analysing, analyses_for

    items = short_items(5)

    def dies_after_two(chunk, **_kwargs):
        for item, record in list(zip(chunk, analyzer.read(chunk), strict=True))[:2]:
            yield item, record.version, encode(record)
        raise BrokenProcessPool("a worker was killed")

    monkeypatch.setattr(pool, "analyze_in_pool", dies_after_two)
    store = Store.open(f"sqlite:///{tmp_path / 'w.db'}")
    store.items.add(items, source="diplomat")
    how = Analysing(store, analyzer.version, lambda: analyzer, workers=2, parallel_min=1)
    pairs = analyses_for(how, items)
    assert [item.id for item, _ in pairs] == [i.id for i in items]
    assert store.analyses.count(analyzer.version) == 5


def test_the_record_version_names_field_types_without_their_modules():
    # So moving a class (models.py became a package) does not make every stored analysis stale.
    from reporter.models import Attribution, DateMention
    from reporter.nlp import record

    assert record._type_text(Attribution | None) == "Attribution | None"
    assert record._type_text(tuple[DateMention, ...]) == "tuple[DateMention, ...]"

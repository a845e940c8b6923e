"""NUL, control characters and bidi overrides from hostile feeds and seeds never reach a store or a page.

Normalisation strips C0 and C1 controls (tab and newline kept), DEL, bidi embeddings, overrides and
isolates, lone surrogates and non-characters, in every text field, before anything is stored: the
same on SQLite and on a real PostgreSQL server, which refuses a NUL outright.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from reporter.models import FeedSpec, RawEntry
from reporter.normalize import normalize, strip_controls
from reporter.pipeline import ingest_seeds
from reporter.sources.feeds import ingest_feeds
from reporter.sources.fetch import FetchPolicy
from reporter.store import Store
from tests.feeds_support import serve

NOW = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)
POLICY = FetchPolicy(parse_workers=0, retries=0, allow_private_networks=True)
HOSTILE = "\x00\x07\x1b[31m\x7f\x85\u202e\u2066\ufffe"  # NUL, BEL, ESC, DEL, NEL, RLO, LRI, U+FFFE


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A fresh store, once on SQLite and once on the suite's PostgreSQL server (tests/conftest.py)."""
    opened = Store.open(database_url)
    yield opened
    opened.close()


def json_feed() -> bytes:
    items = [
        {
            "id": "tag:hostile.example,2025:1\u0000",
            "url": "https://hostile.example/1",
            "title": f"Tokyo{HOSTILE} and Manila sign a pact",
            "content_text": "Japan and the Philippines\u0000 signed a defence pact\u202e in Manila.",
            "authors": [{"name": "Ann\u0007 Author\u202e"}],
            "date_published": "2025-11-10T09:00:00Z",
        },
        {
            "id": "tag:hostile.example,2025:2",
            "url": "https://hostile.example/2",
            "title": "An ordinary entry",
            "content_text": "Nothing odd here.\tTabs\nand newlines stay.",
            "date_published": "2025-11-11T09:00:00Z",
        },
    ]
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "Hostile", "items": items}
    return json.dumps(doc).encode()  # json.dumps writes the NUL as \\u0000, as a real feed would


def test_a_nul_in_a_json_feed_fails_nothing_on_any_store(store):
    with serve() as server:
        server.body("/feed.json", json_feed(), "application/feed+json")
        spec = FeedSpec(name="hostile", url=server.url("/feed.json"))
        (result,) = ingest_feeds([spec], store=store, user_agent="t", now=NOW, policy=POLICY)
    assert result.ok and result.new_items == 2, result.error
    items = {i.url: i for i in store.items.for_sources(["hostile"])}
    pact = items["https://hostile.example/1"]
    assert pact.title == "Tokyo[31m and Manila sign a pact"  # the ESC is gone; its printable tail is text
    assert pact.text == "Japan and the Philippines signed a defence pact in Manila."
    assert pact.author == "Ann Author"
    assert items["https://hostile.example/2"].text == "Nothing odd here. Tabs\nand newlines stay."
    assert store.feeds.get("hostile", spec.url).last_error is None


def test_bell_escape_and_right_to_left_override_leave_rss_titles_and_authors(store):
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://t.example/</link>'
        "<description>d</description><item><title>Japan\x07 \x1b[2J\u202egnp.exe summit</title>"
        "<link>https://t.example/a</link><author>x@t.example (Bidi\u202d Writer)</author>"
        "<description>Text with an override\u202e that flips the line.</description></item></channel></rss>"
    )
    with serve() as server:
        server.body("/rss", rss.encode("utf-8"))
        (result,) = ingest_feeds(
            [FeedSpec(name="rss", url=server.url("/rss"))],
            store=store,
            user_agent="t",
            now=NOW,
            policy=POLICY,
        )
    assert result.ok, result.error
    (item,) = store.items.for_sources(["rss"])
    for value in (item.title, item.text, item.author or ""):
        assert strip_controls(value) == value and "\u202e" not in value and "\x1b" not in value
    assert item.title == "Japan [2Jgnp.exe summit"


def test_what_a_server_says_reaches_the_terminal_and_the_store_without_escapes(store):
    """A page's feed link, a declared encoding and a content type are quoted in messages: never raw."""
    rss = (
        b'<?xml version="1.0" encoding="x\x1b[2Jy"?><rss version="2.0"><channel><title>T</title>'
        b"<link>https://t.example/</link><description>d</description><item><title>Japan and Korea</title>"
        b"<link>https://t.example/a</link><description>They met.</description></item></channel></rss>"
    )
    page = (
        b'<html><head><link rel="alternate" type="application/rss+xml" '
        b'href="/f\x1b]0;PWNED\x07\x00\need"></head><body>hi</body></html>'
    )
    with serve() as server:
        server.body("/page", page, "text/html")
        server.body("/rss", rss)
        server.body("/typed", rss.replace(b"x\x1b[2Jy", b"utf-8"), "application/rss+xml; charset=sjis\x9b2J")
        specs = [FeedSpec(name=n, url=server.url(f"/{n}")) for n in ("page", "rss", "typed")]
        results = ingest_feeds(specs, store=store, user_agent="t", now=NOW, policy=POLICY)
    said = [r.error or "" for r in results] + [r.hint or "" for r in results]
    said += [w for r in results for w in r.warnings]
    assert all(strip_controls(s) == s and "\n" not in s for s in said), said
    page_result, rss_result, typed_result = results
    assert not page_result.ok and page_result.hint is not None
    assert page_result.hint.endswith("/f]0;PWNED: put that in feeds.yaml")  # the link, defused
    assert rss_result.ok and typed_result.ok  # the feeds are read anyway, and say why they are odd
    assert "document declared as x[2jy" in rss_result.warnings[0]
    assert "declared as sjis2J" in typed_result.warnings[0]
    assert store.feeds.get("page", specs[0].url).last_error == "got an HTML page, not a feed"
    assert store.items.count() == 1  # the same entry twice is stored once; nothing else was lost


def test_a_seed_with_nul_bytes_is_stored_without_them_and_the_others_still_are(store, tmp_path):
    from reporter.config import load_config
    from reporter.pipeline import Context

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_bytes(
        b"Japan and the Philippines\x00 agreed on port calls.\n\nTOKYO, Nov 3 2025 -\x00 More."
    )
    (seeds / "b.txt").write_text("An ordinary seed about Japan and Korea, 4 November 2025.", encoding="utf-8")
    config = tmp_path / "feeds.yaml"
    config.write_text(
        "settings:\n  seeds_dir: seeds\nfeeds: []\nreports:\n- slug: japan\n  subject: JP\n"
        "  sections: [{name: Asia, members: [KR]}]\n",
        encoding="utf-8",
    )
    ctx = Context(config=load_config(config, {}), store=store, clock=lambda: NOW)
    (result,) = ingest_seeds(ctx)
    assert result.ok and result.new_items == 2
    texts = sorted(i.text for i in store.items.for_sources(["seeds"]))
    assert texts[1].startswith("Japan and the Philippines agreed on port calls.") and "\x00" not in texts[1]


def test_every_text_field_is_cleaned_and_form_feeds_keep_their_line_break():
    raw = RawEntry(
        source="s\x00",
        kind="feed",
        content="page one\x0cpage two",
        title="T\u2067itle\u2069",
        outlet="Out\x9blet",
        author="A\u202bB",
        link="https://x.example/a\x00b",
    )
    item = normalize(raw, now=NOW)
    assert (item.text, item.title, item.outlet, item.author) == (
        "page one\npage two",
        "Title",
        "Outlet",
        "AB",
    )
    assert item.url == "https://x.example/ab"
    assert item.source == "s"


def test_an_enormous_entry_is_cut_to_the_cap_with_a_warning_and_the_rest_is_kept(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'big.db'}")
    huge = "Japan and Korea met again. " * 40_000  # about 1 MB of text
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://t.example/</link>'
        f"<description>d</description><item><title>A very long entry</title><link>https://t.example/big</link>"
        f"<description>{huge}</description></item><item><title>A short one</title>"
        "<link>https://t.example/small</link><description>Short and whole.</description></item>"
        "</channel></rss>"
    )
    policy = FetchPolicy(parse_workers=0, retries=0, allow_private_networks=True, max_entry_chars=50_000)
    with serve() as server:
        server.body("/rss", rss.encode())
        (result,) = ingest_feeds(
            [FeedSpec(name="big", url=server.url("/rss"))],
            store=store,
            user_agent="t",
            now=NOW,
            policy=policy,
        )
    assert result.ok and result.new_items == 2
    (warning,) = [w for w in result.warnings if "max_entry_chars" in w]
    assert warning == (
        f"the entry 'A very long entry' has {len(huge.strip()):,} characters of text; only the first 50,000 "
        "are kept (settings.max_entry_chars)"
    )
    items = {i.title: i for i in store.items.for_sources(["big"])}
    assert 49_800 < len(items["A very long entry"].text) <= 50_002
    assert items["A very long entry"].text.endswith("again. …") or items["A very long entry"].text.endswith(
        " …"
    )
    assert items["A short one"].text == "Short and whole."
    store.close()


# --- seeds whose bytes are not what they claim ------------------------------------------------


def test_utf8_bytes_declared_as_shift_jis_are_read_as_utf8_with_a_warning(tmp_path, caplog):
    from reporter.sources.seeds import read_seeds

    text = "東京とソウルの首脳が会談した。Japan and Korea met in Tokyo on 3 November 2025."
    (tmp_path / "jp.txt").write_bytes(text.encode("utf-8"))
    (tmp_path / "seeds.yaml").write_text("jp.txt:\n  encoding: shift_jis\n", encoding="utf-8")
    with caplog.at_level("WARNING"):
        (entry,), failures = read_seeds(tmp_path, now=NOW)
    assert failures == [] and entry.content == text  # not mojibake
    assert (
        "seeds/jp.txt: declared shift_jis in seeds.yaml, but the file is UTF-8; read as UTF-8" in caplog.text
    )


def test_a_latin1_seed_is_named_as_the_western_code_page(tmp_path):
    from reporter.sources.seeds import read_seeds

    french = "Le président a déclaré que la coopération économique avec le Japon était très importante."
    (tmp_path / "fr.txt").write_bytes(french.encode("latin-1"))
    entries, (failure,) = read_seeds(tmp_path, now=NOW)
    assert entries == []
    assert "(it looks like cp1252)" in failure.error and "encoding: cp1252" in failure.hint


def test_a_binary_seed_is_refused_in_one_line_and_the_others_are_read(tmp_path):
    import random

    from reporter.sources.seeds import read_seeds

    noise = random.Random(14).randbytes(20_000)
    (tmp_path / "photo.html").write_bytes(b"\x89PNG\r\n\x1a\n" + noise)
    (tmp_path / "good.txt").write_text("Japan and Korea met in Seoul on 3 November 2025.", encoding="utf-8")
    entries, (failure,) = read_seeds(tmp_path, now=NOW)
    assert [e.path for e in entries] == ["good.txt"]
    assert failure.source == "seeds/photo.html"
    assert failure.error.startswith("photo.html: not a text file (") and "control bytes" in failure.error
    assert "save it as UTF-8 text" in failure.hint


def test_a_full_text_page_is_whole_under_the_cap_and_over_it_cut_at_a_word_and_flagged(tmp_path):
    paragraph = (
        "<p>Paragraph {i}: Japan and the Philippines agreed on joint exercises and port calls in the "
        "South China Sea, officials said after the meeting in Manila.</p>"
    )
    long = (
        "<html><body><article>"
        + "".join(paragraph.format(i=i) for i in range(1200))
        + "</article></body></html>"
    )

    def ingest_article(cap: int):
        store = Store.open(f"sqlite:///{tmp_path / f'ft{cap}.db'}")
        with serve() as server:
            server.body("/article", long.encode(), "text/html; charset=utf-8")
            feed = (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
                "<link>https://t.example/</link><description>d</description><item><title>Pact signed</title>"
                f"<link>{server.url('/article')}</link><description>A short teaser.</description></item>"
                "</channel></rss>"
            )
            server.body("/feed", feed.encode())
            (result,) = ingest_feeds(
                [FeedSpec(name="ft", url=server.url("/feed"), full_text=True, timeout=20)],
                store=store,
                user_agent="t",
                now=NOW,
                policy=FetchPolicy(parse_workers=0, allow_private_networks=True, max_entry_chars=cap),
            )
        (item,) = store.items.for_sources(["ft"])
        store.close()
        assert result.ok and result.new_items == 1
        return item

    whole = ingest_article(200_000)  # 167,000 characters: under the default cap, kept whole
    assert len(whole.text) > 150_000 and whole.full_length is None
    assert whole.text.rstrip().endswith("Paragraph 1199: Japan and the Philippines agreed on joint exercises "
                                        "and port calls in the South China Sea, officials said after the "
                                        "meeting in Manila.")  # fmt: skip
    cut = ingest_article(50_000)
    assert cut.full_length == len(whole.text) and 49_800 < len(cut.text) <= 50_002
    assert cut.text.endswith(" …") and cut.text.startswith(whole.text[:1000])

"""Hostile feeds against real servers on 127.0.0.1: no request forgery, and one deadline per fetch.

The suite's feed servers live on 127.0.0.1, a loopback address that reporter refuses by default. Tests
that want a feed fetched opt in, as an operator would (`allow_private_networks`), or name the one
server that stands in for a site on the internet (`public_stand_ins`); every other local address stays
refused, which is what these tests prove.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from reporter.models import FeedSpec, SourceResult
from reporter.sources.feeds import ingest_feeds
from reporter.sources.fetch import FetchPolicy
from reporter.sources.guard import refusal
from reporter.store import Store
from tests.feeds_support import FeedServer, serve

NOW = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)
SECRET = "the database password is hunter2"
HINT = "set `allow_private_networks: true` under `settings:` in feeds.yaml"


@pytest.fixture
def server():
    with serve() as s:
        yield s


@pytest.fixture
def internal():
    """An internal service nobody outside should reach: it answers with a secret."""
    with serve() as s:
        s.body(
            "/admin/secret",
            f"<html><body><article><p>{SECRET}.</p></article></body></html>".encode(),
            "text/html",
        )
        yield s


@pytest.fixture
def store(tmp_path):
    s = Store.open(f"sqlite:///{tmp_path / 'reporter.db'}")
    yield s
    s.close()


def standing_in(server: FeedServer, **options) -> FetchPolicy:
    """A policy that takes `server` for a public site; every other private address is still refused."""
    return FetchPolicy(
        backoff=0.01,
        retries=1,
        parse_workers=0,
        public_stand_ins=frozenset({("127.0.0.1", server.port)}),
        **options,
    )


def ingest(store: Store, *feeds: FeedSpec, policy: FetchPolicy) -> dict[str, SourceResult]:
    return {r.source: r for r in ingest_feeds(feeds, store=store, user_agent="t", now=NOW, policy=policy)}


# --- request forgery ----------------------------------------------------------------------------


def test_a_feed_on_loopback_is_refused_unless_private_networks_are_allowed(server, store):
    server.file("/feed", "rss20.xml")
    spec = FeedSpec(name="local", url=server.url("/feed"))

    refused = ingest(store, spec, policy=FetchPolicy(parse_workers=0))["local"]
    assert not refused.ok
    assert refused.error == "local: refused to connect to 127.0.0.1: it is 127.0.0.1, a loopback address"
    assert HINT in refused.hint
    assert server.hits("/feed") == []  # not one byte was sent to it

    allowed = ingest(store, spec, policy=FetchPolicy(parse_workers=0, allow_private_networks=True))["local"]
    assert allowed.ok and allowed.new_items == 3


@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("localhost", "a loopback address"),
        ("2130706433", "a loopback address"),  # decimal
        ("0x7f000001", "a loopback address"),  # hex
        ("0x7f.0.0.1", "a loopback address"),
        ("127.1", "a loopback address"),
        ("[::1]", "a loopback address"),
        ("[::ffff:127.0.0.1]", "a loopback address"),  # IPv4-mapped IPv6
        ("[::ffff:7f00:1]", "a loopback address"),
        ("0177.0.0.1", "Invalid IPv4 address"),  # octal: httpx refuses the URL itself
        ("127.000.000.001", "Invalid IPv4 address"),
        ("LOCALHOST", "a loopback address"),
        ("127.1.2.3", "a loopback address"),  # all of 127/8
        ("0", "an unspecified address"),  # 0.0.0.0 reaches this machine on Linux
        ("[::]", "an unspecified address"),
        ("[64:ff9b::127.0.0.1]", "a loopback address"),  # NAT64
        ("[2002:7f00:1::]", "a loopback address"),  # 6to4
        ("[::127.0.0.1]", "a reserved address"),  # the old IPv4-compatible form
    ],
)
def test_every_spelling_of_loopback_is_refused(server, store, host, said):
    server.file("/feed", "rss20.xml")
    spec = FeedSpec(name="spelled", url=f"http://{host}:{server.port}/feed")
    result = ingest(store, spec, policy=FetchPolicy(parse_workers=0))["spelled"]
    assert not result.ok and said in result.error, result.error
    assert server.hits("/feed") == []


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("http://10.0.0.7/admin", "a private"),
        ("http://192.168.1.1/", "a private"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local"),
        ("http://[fd00::1]/", "a private"),
        ("http://[fe80::1]/", "a link-local"),
        ("http://224.0.0.1/", "a multicast"),
        ("http://0.0.0.0/", "an unspecified"),
        ("http://100.64.0.1/", "a shared (carrier-grade NAT)"),
        ("http://[::ffff:10.0.0.7]/", "a private"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused_at_the_hop(server, store, target, kind):
    server.redirect("/feed", target, 302)
    result = ingest(store, FeedSpec(name="hop", url=server.url("/feed")), policy=standing_in(server))["hop"]
    assert not result.ok
    assert "(reached by a redirect from 127.0.0.1)" in result.error and f", {kind} address" in result.error
    assert HINT in result.hint
    assert len(server.hits("/feed")) == 1  # the first hop was fetched, the second never connected


def test_a_redirect_to_another_loopback_service_never_reaches_it(server, internal, store):
    server.redirect("/feed", internal.url("/admin/secret"), 302)
    result = ingest(store, FeedSpec(name="hop", url=server.url("/feed")), policy=standing_in(server))["hop"]
    assert not result.ok and "a loopback address" in result.error
    assert internal.hits("/admin/secret") == []
    assert store.items.for_sources(["hop"]) == []


def test_full_text_is_never_fetched_from_a_private_address(server, internal, store):
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://t.example/</link>'
        "<description>d</description>"
        f"<item><title>Internal page</title><link>{internal.url('/admin/secret')}</link>"
        "<description>A short teaser.</description></item></channel></rss>"
    )
    server.body("/feed", feed.encode())
    spec = FeedSpec(name="ft", url=server.url("/feed"), full_text=True, timeout=5)
    result = ingest(store, spec, policy=standing_in(server))["ft"]
    assert result.ok and result.new_items == 1  # the entry is kept, with its summary
    (item,) = store.items.for_sources(["ft"])
    assert item.text == "A short teaser." and "hunter2" not in item.text
    assert internal.hits("/admin/secret") == []


def test_addresses_are_judged_by_what_they_are():
    assert refusal("8.8.8.8") is None and refusal("2606:4700:4700::1111") is None
    assert refusal("127.0.0.53") == "loopback"
    assert refusal("::1") == "loopback"
    assert refusal("::ffff:192.168.0.1") == "private"
    assert refusal("2002:7f00:1::") == "loopback"  # 6to4 wrapping 127.0.0.1
    assert refusal("64:ff9b::a00:1") == "private"  # NAT64 wrapping 10.0.0.1
    assert refusal("172.16.5.4") == "private"
    assert refusal("239.255.255.250") == "multicast"
    assert refusal("240.0.0.1") in {"private", "reserved"}


# --- deadlines ------------------------------------------------------------------------------------


def test_headers_trickled_line_by_line_do_not_outlast_the_timeout(server, store):
    server.trickle_headers("/slow", every=0.3)
    server.file("/good", "rss20.xml")
    slow = FeedSpec(name="slow", url=server.url("/slow"), timeout=1.0)
    good = FeedSpec(name="good", url=server.url("/good"))
    start = time.monotonic()
    results = ingest(
        store, slow, good, policy=FetchPolicy(parse_workers=0, retries=2, allow_private_networks=True)
    )
    elapsed = time.monotonic() - start
    assert elapsed < 3, f"a 1 s feed held the ingest for {elapsed:.1f} s"
    assert not results["slow"].ok
    assert results["slow"].error.startswith("slow: no complete response from 127.0.0.1:")
    assert "within its 1s `timeout` (headers and body, retries included)" in results["slow"].error
    assert len(server.hits("/slow")) == 1  # no retry: the deadline covers retries too
    assert results["good"].ok and results["good"].new_items == 3  # the slow feed failed alone


def test_a_retry_that_cannot_finish_in_time_is_not_started(server, store):
    server.status("/busy", 503, {"Retry-After": "20"})
    spec = FeedSpec(name="busy", url=server.url("/busy"), timeout=2.0)
    start = time.monotonic()
    result = ingest(store, spec, policy=FetchPolicy(parse_workers=0, retries=2, allow_private_networks=True))[
        "busy"
    ]
    assert time.monotonic() - start < 2
    assert not result.ok and "no time left to retry within the 2s `timeout`" in result.error
    assert len(server.hits("/busy")) == 1


# --- through the command line and feeds.yaml ---------------------------------------------------


def _config(tmp_path, url: str, *, allow: bool | None = None) -> None:
    setting = "" if allow is None else f"  allow_private_networks: {str(allow).lower()}\n"
    (tmp_path / "feeds.yaml").write_text(
        f"settings:\n  data_dir: data\n{setting}feeds:\n- name: intranet\n  url: {url}\n"
        "reports:\n- slug: japan\n  subject: JP\n  seeds: false\n  sections: [{name: Asia, members: [KR]}]\n",
        encoding="utf-8",
    )


def test_feeds_list_calls_a_refused_feed_an_error_and_the_setting_lets_it_through(
    server, tmp_path, monkeypatch
):
    from typer.testing import CliRunner

    from reporter.cli import create_app

    server.file("/feed", "rss20.xml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REPORTER_ALLOW_PRIVATE_NETWORKS", raising=False)
    _config(tmp_path, server.url("/feed"))
    cli = CliRunner()

    refused = cli.invoke(create_app(), ["ingest"])
    assert refused.exit_code == 1
    assert (
        "failed: intranet: refused to connect to 127.0.0.1: it is 127.0.0.1, a loopback address"
        in refused.output
    )
    assert HINT in refused.output
    (row,) = json.loads(cli.invoke(create_app(), ["feeds", "list", "--json"]).output)
    assert row["last_error"].startswith("refused to connect to 127.0.0.1") and row["last_success"] is None
    listed = cli.invoke(create_app(), ["feeds", "list"], env={"COLUMNS": "250"})
    assert "error: refused to connect to 127.0.0.1" in listed.output and " ok" not in listed.output
    assert server.hits("/feed") == []

    _config(tmp_path, server.url("/feed"), allow=True)
    allowed = cli.invoke(create_app(), ["ingest"])
    assert allowed.exit_code == 0 and "ingest: 3 new item(s) from 1 source(s)" in allowed.output
    (row,) = json.loads(cli.invoke(create_app(), ["feeds", "list", "--json"]).output)
    assert row["last_error"] is None and row["last_success"] and row["entries_seen"] == 3

    _config(tmp_path, server.url("/feed"))  # the variable does the same as the setting
    monkeypatch.setenv("REPORTER_ALLOW_PRIVATE_NETWORKS", "true")
    assert cli.invoke(create_app(), ["ingest"]).exit_code == 0
    monkeypatch.setenv("REPORTER_ALLOW_PRIVATE_NETWORKS", "perhaps")
    bad = cli.invoke(create_app(), ["ingest"])
    assert (
        bad.exit_code == 1 and "REPORTER_ALLOW_PRIVATE_NETWORKS='perhaps' is not true or false" in bad.output
    )
    assert "Traceback" not in bad.output


def test_one_ingest_has_a_bound_of_its_own(server, store):
    for n in range(3):
        server.trickle_headers(f"/slow{n}", every=0.2)
    server.file("/good", "rss20.xml")
    feeds = [FeedSpec(name=f"slow{n}", url=server.url(f"/slow{n}"), timeout=30) for n in range(3)]
    feeds.append(FeedSpec(name="good", url=server.url("/good")))
    policy = FetchPolicy(parse_workers=0, allow_private_networks=True, concurrency=1)
    start = time.monotonic()
    results = {
        r.source: r
        for r in ingest_feeds(feeds, store=store, user_agent="t", now=NOW, policy=policy, bound=1.0)
    }
    # one fetch at a time: the slow feed in flight is cut at the bound too, not at its own 30 s
    assert time.monotonic() - start < 5
    slow = [results[f"slow{n}"] for n in range(3)]
    assert all(not r.ok and "the ingest reached its" in r.error and "ingest_timeout" in r.hint for r in slow)
    assert not results["good"].ok  # queued behind them: every feed has its line, none hangs
    assert len(results) == 4

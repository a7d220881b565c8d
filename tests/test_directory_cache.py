"""The completion cache stays bounded and forgets what is older than its lifetime."""

from __future__ import annotations

from bitrix24_scrum_mcp.directory import MAX_ENTRIES, TTL_S, Named, TtlCache


def test_defaults_are_thirty_seconds_and_a_bounded_size() -> None:
    cache = TtlCache()
    assert (cache.ttl, cache.size) == (TTL_S, MAX_ENTRIES) == (30.0, 128)


def test_the_oldest_entry_goes_first_when_the_cache_is_full() -> None:
    cache = TtlCache(ttl=60, size=2)
    groups = [Named(11, "Checkout")]
    cache.put(("a",), groups)
    cache.put(("b",), [])
    assert cache.get(("a",)) == groups
    cache.put(("c",), [])
    assert cache.get(("a",)) is None
    assert cache.get(("b",)) == [] and cache.get(("c",)) == []


def test_an_entry_past_its_lifetime_is_gone() -> None:
    cache = TtlCache(ttl=-1, size=4)  # already expired when stored: no waiting needed
    cache.put(("a",), [Named(12, "Mobile App 2.0")])
    assert cache.get(("a",)) is None

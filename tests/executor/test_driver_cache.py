"""The kubelet's shared driver cache stays bounded however many stores and credentials pass."""

from __future__ import annotations

from argoapp.artifacts import Driver
from argoapp.executor.artifact_access import DriverCache, SecretData


def _driver() -> Driver:
    return Driver(SecretData({}))


def test_cache_reuses_a_driver_per_key() -> None:
    cache = DriverCache()
    first = cache.get("a", _driver)
    assert cache.get("a", _driver) is first
    assert len(cache) == 1


def test_cache_keeps_at_most_its_limit_dropping_the_least_recently_used() -> None:
    cache = DriverCache(limit=4)
    kept = cache.get("hot", _driver)
    for n in range(1000):  # e.g. credentials rotated on every pod of a long fan-out
        cache.get(f"key-{n}", _driver)
        assert cache.get("hot", _driver) is kept  # used again: never the one dropped
    assert len(cache) == 4
    assert cache.get("key-0", _driver) is not None
    assert len(cache) == 4

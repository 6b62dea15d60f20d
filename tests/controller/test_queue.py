"""The work queue: dedup, one holder per key, dirty requeue, priority, timers, backoff."""

from __future__ import annotations

import asyncio

from argoapp.controller.queue import WorkQueue


async def test_a_queued_key_is_there_once() -> None:
    q = WorkQueue()
    q.add("ns/a")
    q.add("ns/a")
    q.add("ns/b")
    assert len(q) == 2
    assert await q.get() == "ns/a"
    assert await q.get() == "ns/b"


async def test_a_key_in_process_is_not_handed_out_again_but_comes_back_when_done() -> None:
    q = WorkQueue()
    q.add("ns/a")
    assert await q.get() == "ns/a"
    q.add("ns/a")  # changed while being processed: dirty, not queued
    assert len(q) == 0
    second = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    assert not second.done()  # no second worker gets the key while the first holds it
    q.done("ns/a")
    assert await second == "ns/a"
    q.done("ns/a")
    assert len(q) == 0


async def test_done_without_changes_does_not_requeue() -> None:
    q = WorkQueue()
    q.add("ns/a")
    key = await q.get()
    assert key is not None
    q.done(key)
    assert len(q) == 0


async def test_keys_come_out_by_rank_then_arrival() -> None:
    ranks = {"ns/low": (0.0,), "ns/high": (-5.0,), "ns/low2": (0.0,)}
    q = WorkQueue(rank=lambda key: ranks[key])
    for key in ("ns/low", "ns/low2", "ns/high"):
        q.add(key)
    assert [await q.get() for _ in range(3)] == ["ns/high", "ns/low", "ns/low2"]


async def test_the_earliest_timer_wins() -> None:
    q = WorkQueue()
    q.add_after("ns/a", 60)
    q.add_after("ns/a", 0.01)
    later = q.pending_timer("ns/a")
    assert later is not None and later < 60
    q.add_after("ns/a", 30)  # a later deadline does not push the earlier one back
    assert (q.pending_timer("ns/a") or 99) < 30
    async with asyncio.timeout(5):
        assert await q.get() == "ns/a"
    assert q.pending_timer("ns/a") is None
    assert q.stats.timers_fired == 1


async def test_backoff_doubles_and_forget_resets() -> None:
    q = WorkQueue(backoff_base=10, backoff_max=25)
    assert q.add_backoff("ns/a") == 10
    assert q.add_backoff("ns/a") == 20
    assert q.add_backoff("ns/a") == 25
    q.forget("ns/a")
    q.drop("ns/a")
    assert q.add_backoff("ns/a") == 10
    q.shutdown()


async def test_shutdown_wakes_every_waiting_worker_with_none() -> None:
    q = WorkQueue()
    waiting = [asyncio.create_task(q.get()) for _ in range(3)]
    await asyncio.sleep(0)
    q.add_after("ns/a", 60)
    q.shutdown()
    assert await asyncio.gather(*waiting) == [None, None, None]
    q.add("ns/b")
    assert await q.get() is None


async def test_add_now_queues_at_once_and_drops_the_timer() -> None:
    q = WorkQueue()
    q.add_after("ns/a", 60)  # a coalescing (or requeue) timer
    q.add_now("ns/a")
    assert q.pending_timer("ns/a") is None
    assert await q.get() == "ns/a"
    q.done("ns/a")
    await asyncio.sleep(0.02)
    assert len(q) == 0 and q.stats.timers_fired == 0


async def test_each_key_taken_counts_its_wait_once_in_the_latency_histogram() -> None:
    q = WorkQueue()
    q.add("ns/a")
    q.add("ns/a")  # deduplicated: one wait
    q.add("ns/b")
    assert await q.get() == "ns/a"
    assert await q.get() == "ns/b"
    latency = q.stats.latency
    assert latency.count == 2
    assert sum(latency.counts) == 2 and latency.total >= 0
    assert len(latency.counts) == len(latency.buckets) + 1


async def test_a_resting_key_takes_what_came_meanwhile_in_one_pass_when_the_rest_ends() -> None:
    q = WorkQueue()
    q.add("ns/a")
    assert await q.get() == "ns/a"
    q.add("ns/a")  # dirty: comes back, but only after the rest
    q.done("ns/a", rest=0.05)
    q.add_now("ns/a")  # a pod's end during the rest waits for it too
    q.add("ns/b")  # other keys are not held
    assert len(q) == 1 and await q.get() == "ns/b"
    nxt = asyncio.create_task(q.get())
    await asyncio.sleep(0.01)
    assert not nxt.done()
    assert await asyncio.wait_for(nxt, 5) == "ns/a"
    assert len(q) == 0
    assert q.stats.adds == 4  # each call counted once (three for ns/a, one for ns/b)


async def test_a_key_nothing_added_during_its_pass_does_not_rest() -> None:
    q = WorkQueue()
    q.add("ns/a")
    assert await q.get() == "ns/a"
    q.done("ns/a", rest=60)
    assert len(q) == 0
    q.add("ns/a")  # no rest: at once
    assert len(q) == 1


async def test_shutdown_ends_rests() -> None:
    q = WorkQueue()
    q.add("ns/a")
    assert await q.get() == "ns/a"
    q.add("ns/a")
    q.done("ns/a", rest=60)
    q.add("ns/a")
    q.shutdown()
    assert await q.get() is None

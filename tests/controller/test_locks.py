"""The lock manager and the parallelism throttle: who gets in, in what order, who is woken."""

from __future__ import annotations

from argoapp.controller.locks import LockManager
from argoapp.controller.throttle import Throttle


def test_a_mutex_goes_to_one_holder_and_the_release_wakes_the_next() -> None:
    locks = LockManager()
    assert locks.acquire("default/Mutex/m", "wf-a", 1, "default/wf-a")
    assert locks.acquire("default/Mutex/m", "wf-a", 1, "default/wf-a")  # held already
    assert not locks.acquire("default/Mutex/m", "wf-b", 1, "default/wf-b")
    assert not locks.acquire("default/Mutex/m", "wf-c", 1, "default/wf-c")
    assert locks.holders() == {"default/Mutex/m": ("wf-a",)}
    assert locks.release("default/Mutex/m", "wf-a") == ["default/wf-b"]
    # wf-c asks first after the release, but wf-b arrived earlier: it waits its turn
    assert not locks.acquire("default/Mutex/m", "wf-c", 1, "default/wf-c")
    assert locks.acquire("default/Mutex/m", "wf-b", 1, "default/wf-b")


def test_a_semaphore_grants_up_to_its_limit_by_priority_then_arrival() -> None:
    locks = LockManager()
    key = "default/ConfigMap/sem/k"
    assert locks.acquire(key, "a", 2, "default/a")
    assert locks.acquire(key, "b", 2, "default/b")
    assert not locks.acquire(key, "c", 2, "default/c", priority=0)
    assert not locks.acquire(key, "d", 2, "default/d", priority=5)
    assert locks.waiting(key) == ["d", "c"]
    assert locks.release(key, "a") == ["default/d"]
    assert not locks.acquire(key, "c", 2, "default/c")
    assert locks.acquire(key, "d", 2, "default/d", priority=5)
    assert locks.release(key, "nobody") == []


def test_a_deleted_workflow_frees_its_locks() -> None:
    locks = LockManager()
    assert locks.acquire("k", "a/node1", 1, "default/a")
    assert not locks.acquire("k", "b", 1, "default/b")
    assert locks.forget_workflow("default/a") == ["default/b"]
    assert locks.holders() == {}


def test_holders_are_rebuilt_from_workflow_status() -> None:
    locks = LockManager()
    wf = {
        "metadata": {"namespace": "default", "name": "a"},
        "status": {
            "synchronization": {
                "semaphore": {
                    "holding": [{"semaphore": "default/ConfigMap/s/k", "holders": ["a"]}]
                },
                "mutex": {
                    "holding": [
                        {"mutex": "default/Mutex/m", "holder": "default/a"},
                        {"mutex": "default/Mutex/n", "holders": ["default/a"]},
                    ]
                },
            }
        },
    }
    locks.restore([wf])
    assert locks.holders() == {
        # Argo's short form names the workflow (or a node id of it)
        "default/ConfigMap/s/k": ("default/a",),
        "default/Mutex/m": ("default/a",),
        "default/Mutex/n": ("default/a",),
    }
    assert not locks.acquire("default/Mutex/m", "b", 1, "default/b")
    assert locks.release("default/Mutex/m", "default/a") == ["default/b"]


def test_throttle_admits_by_rank_and_wakes_the_best_waiter() -> None:
    throttle = Throttle(limit=1)
    assert throttle.admit("ns/a", (0.0, 1.0))
    assert not throttle.admit("ns/late", (0.0, 3.0))
    assert not throttle.admit("ns/urgent", (-9.0, 4.0))
    assert throttle.release("ns/a") == ["ns/urgent"]
    assert not throttle.admit("ns/late", (0.0, 3.0))
    assert throttle.admit("ns/urgent", (-9.0, 4.0))
    assert throttle.running == 1 and throttle.waiting == 1
    assert Throttle(limit=0).admit("ns/any", (0.0,))


def test_waiters_can_be_found_by_the_configmap_that_sets_their_limit() -> None:
    locks = LockManager()
    key = "default/ConfigMap/limits/build"
    assert locks.acquire(key, "a", 1, "default/a")
    assert not locks.acquire(key, "b", 1, "default/b")
    assert locks.acquire("default/Mutex/m", "c", 1, "default/c")
    assert not locks.acquire("default/Mutex/m", "d", 1, "default/d")
    assert locks.waiting_workflows("default/ConfigMap/limits/") == ["default/b"]
    assert locks.waiting_workflows("default/ConfigMap/other/") == []


def test_namespace_parallelism_caps_each_namespace_and_lets_others_pass() -> None:
    throttle = Throttle(limit=3, namespace_limit=1)
    assert throttle.admit("a/one", (0.0, 1.0))
    assert not throttle.admit("a/two", (0.0, 2.0))  # namespace a is full
    assert throttle.admit("b/one", (0.0, 3.0))  # not held up by a/two
    assert not throttle.admit("b/two", (0.0, 4.0))
    assert throttle.release("a/one") == ["a/two"]
    assert throttle.admit("a/two", (0.0, 2.0))
    assert throttle.admit("c/one", (0.0, 5.0))  # the third slot is free
    assert not throttle.admit("c/two", (0.0, 6.0))  # the controller-wide limit: 3 run
    assert throttle.running == 3
    only_namespaces = Throttle(namespace_limit=2)
    assert all(only_namespaces.admit(f"x/{i}", (0.0, float(i))) for i in range(2))
    assert not only_namespaces.admit("x/2", (0.0, 2.0))
    assert only_namespaces.admit("y/0", (0.0, 3.0))


def test_a_namespace_label_limit_replaces_namespace_parallelism_for_that_namespace() -> None:
    throttle = Throttle(namespace_limit=1)
    throttle.set_namespace_limit("big", 2)
    assert throttle.admit("big/0", (0.0, 0.0))
    assert throttle.admit("big/1", (0.0, 1.0))  # its label allows two
    assert not throttle.admit("big/2", (0.0, 2.0))
    assert throttle.admit("small/0", (0.0, 3.0))
    assert not throttle.admit("small/1", (0.0, 4.0))  # namespaceParallelism still applies
    assert throttle.set_namespace_limit("big", 3) == ["big/2"]  # a raised label wakes it
    assert throttle.admit("big/2", (0.0, 2.0))
    labelled_only = Throttle()  # no controller setting: the label alone caps its namespace
    labelled_only.set_namespace_limit("x", 1)
    assert labelled_only.admit("x/0", (0.0, 0.0))
    assert not labelled_only.admit("x/1", (0.0, 1.0))
    assert labelled_only.admit("y/0", (0.0, 2.0))
    assert labelled_only.set_namespace_limit("x", None) == ["x/1"]  # label removed

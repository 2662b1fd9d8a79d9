"""The event log (event_log.py): numbering, reading back, pruning, and publishing in order."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import replace

import pytest

from streamfx_server import event_log
from streamfx_server.infra.hub import Hub, Subscriber
from streamfx_server.state import AppState
from streamfx_server.triggering import trigger_async
from tests.unit.test_triggering import add_creator

DAY_MS = 24 * 3600 * 1000


def push(state: AppState, creator_id: str, n: int = 1) -> list[event_log.Event]:
    out = []
    for i in range(n):
        with event_log.write(state.db, state.hub) as tx:
            out.append(tx.push(creator_id, {"type": "clear", "n": i}))
    return out


def test_each_creator_counts_from_one_without_gaps(state: AppState):
    add_creator(state, "cr_a")
    add_creator(state, "cr_b")
    a = push(state, "cr_a", 3)
    b = push(state, "cr_b", 2)
    assert [e.seq for e in a] == [1, 2, 3]
    assert [e.seq for e in b] == [1, 2]
    assert json.loads(a[2].text) == {"type": "clear", "n": 2, "seq": 3}
    conn = state.db.conn()
    assert event_log.newest(conn, "cr_a") == 3
    assert [e.text for e in event_log.since(conn, "cr_a", 1, 10)] == [a[1].text, a[2].text]
    assert event_log.since(conn, "cr_a", 3, 10) == []
    # What was published is what was logged, in order (the recording hub checks the log).
    assert [m["seq"] for m in state.hub.messages] == [1, 2, 3, 1, 2]  # type: ignore[attr-defined]


def test_several_messages_at_once_are_numbered_in_order(state: AppState):
    add_creator(state)
    with state.db.write() as conn:
        events = event_log.record_all(conn, "cr_a", [{"type": "x"}, {"type": "y"}])
        assert event_log.record_all(conn, "cr_a", []) == []
    assert [(e.seq, e.message["type"]) for e in events] == [(1, "x"), (2, "y")]
    assert event_log.newest(state.db.conn(), "cr_a") == 2


def test_a_change_rolled_back_takes_its_event_and_seq_with_it(state: AppState):
    add_creator(state)
    push(state, "cr_a")
    with pytest.raises(RuntimeError), event_log.write(state.db, state.hub) as tx:
        tx.push("cr_a", {"type": "clear"})
        raise RuntimeError("the change failed")
    assert [m["seq"] for m in state.hub.messages] == [1]  # type: ignore[attr-defined]
    assert push(state, "cr_a")[0].seq == 2  # no gap where the failed one was


def test_an_unknown_creator_gets_no_event(state: AppState):
    with pytest.raises(LookupError), state.db.write() as conn:
        event_log.record(conn, "cr_nobody", {"type": "clear"})
    assert state.db.one("SELECT COUNT(*) FROM events")[0] == 0


def test_oldest_of_an_empty_log_is_one_past_the_newest(state: AppState):
    add_creator(state)
    conn = state.db.conn()
    assert (event_log.newest(conn, "cr_a"), event_log.oldest(conn, "cr_a")) == (0, 1)
    push(state, "cr_a", 2)
    assert event_log.oldest(conn, "cr_a") == 1


def _age(state: AppState, creator_id: str, upto_seq: int, ms: int) -> None:
    with state.db.write() as conn:
        conn.execute(
            "UPDATE events SET created_ms = created_ms - ? WHERE creator_id = ? AND seq <= ?",
            (ms, creator_id, upto_seq),
        )


def test_pruning_keeps_a_day_and_the_newest_events(state: AppState):
    add_creator(state, "cr_a")
    add_creator(state, "cr_b")
    push(state, "cr_a", 30)
    push(state, "cr_b", 30)
    # Events 1-20 of both are two days old; 21-30 are new.
    _age(state, "cr_a", 20, 2 * DAY_MS)
    _age(state, "cr_b", 20, 2 * DAY_MS)
    conn = state.db.conn()
    # Keep the newest 15: 1-15 are old and beyond them, so they go; 16-20 stay (newest 15).
    assert event_log.prune_all(state.db, keep_count=15, batch=4) == 30
    assert event_log.oldest(conn, "cr_a") == 16
    assert event_log.oldest(conn, "cr_b") == 16
    # Keep the newest 5: 16-20 are old and go; 21-25 are beyond the 5 but younger than a day.
    assert event_log.prune_all(state.db, keep_count=5) == 10
    assert event_log.oldest(conn, "cr_a") == 21
    assert event_log.newest(conn, "cr_a") == 30
    # Nothing more to do: a second run deletes nothing.
    assert event_log.prune_all(state.db, keep_count=5) == 0


def test_prune_stops_at_the_first_young_event(state: AppState):
    add_creator(state)
    push(state, "cr_a", 10)
    _age(state, "cr_a", 3, 2 * DAY_MS)
    with state.db.write() as conn:
        assert event_log.prune(conn, "cr_a", event_log._now_ms(), keep_count=1, batch=100) == 3
    assert event_log.oldest(state.db.conn(), "cr_a") == 4


def test_reading_after_a_seq_is_a_range_of_the_primary_key(state: AppState):
    plan = state.db.all(
        "EXPLAIN QUERY PLAN SELECT seq, payload FROM events WHERE creator_id = ? AND seq > ? "
        "ORDER BY seq LIMIT 10",
        ("cr_a", 5),
    )
    detail = " ".join(row["detail"] for row in plan)
    assert "PRIMARY KEY" in detail and "SCAN" not in detail and "TEMP B-TREE" not in detail


class OrderHub(Hub):
    """A real hub that notes the order events reach it in, per creator."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, list[int]] = {}

    def publish(self, creator_id: str, seq: int, text: str, *, control_only: bool = False) -> None:
        # A busy machine may pause a writer thread right after its COMMIT: the next
        # writer must still not get its events out first.
        if threading.current_thread() is not threading.main_thread():
            time.sleep(0.002)
        super().publish(creator_id, seq, text, control_only=control_only)

    def _deliver(self, creator_id: str, seq: int, text: str, control_only: bool) -> None:
        self.seen.setdefault(creator_id, []).append(seq)
        super()._deliver(creator_id, seq, text, control_only)


def test_events_reach_the_hub_in_seq_order_from_threads_and_the_group_commit(state: AppState):
    creator = add_creator(state)
    hub = OrderHub()
    state = replace(state, hub=hub)
    per_thread, threads_n, triggers = 25, 4, 40

    async def main() -> None:
        hub.bind(asyncio.get_running_loop())

        def writer() -> None:
            push(state, "cr_a", per_thread)

        threads = [threading.Thread(target=writer) for _ in range(threads_n)]
        for thread in threads:
            thread.start()
        fired = [trigger_async(state, creator, "flash", None, None, "api") for _ in range(triggers)]
        await asyncio.gather(*fired)
        await asyncio.to_thread(lambda: [t.join() for t in threads])
        await asyncio.sleep(0.05)  # the threads' last publishes are queued on the loop

    asyncio.run(main())
    total = per_thread * threads_n + 2 * triggers
    assert hub.seen["cr_a"] == list(range(1, total + 1))


def test_release_sends_held_events_after_the_replayed_ones_once_and_in_order():
    hub = Hub()
    sent: list[int] = []

    async def send_text(text: str) -> None:
        sent.append(json.loads(text)["seq"])

    async def main() -> None:
        hub.bind(asyncio.get_running_loop())
        sub = Subscriber("cr_a", send_text, held=[])
        hub.add(sub)
        pump = asyncio.get_running_loop().create_task(hub.pump(sub))
        for seq in (4, 5, 6):  # published while the log (up to 5) was being read
            hub.publish("cr_a", seq, json.dumps({"seq": seq}))
        for seq in (3, 4, 5):  # the replay
            await hub.reply_text(sub, json.dumps({"seq": seq}))
        await hub.release(sub, 5)
        hub.publish("cr_a", 7, json.dumps({"seq": 7}))  # live again
        while len(sent) < 5:
            await asyncio.sleep(0.01)
        hub.drop(sub, 1000, "done", flush=True)
        await pump
        hub.stop()

    asyncio.run(main())
    assert sent == [3, 4, 5, 6, 7]

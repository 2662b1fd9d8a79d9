"""The lease bookkeeping alone (agent_leases.py): order, takeover, reconnection, limits,
and what `agent.status` has to say (docs/AGENT.md "Lease")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streamfx_server.agent_leases import AgentLeases, Announcement, LeaseRefused

T0 = datetime(2025, 1, 1, tzinfo=UTC)
OBS = "127.0.0.1:4455"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ms(seconds: float) -> int:
    return int(at(seconds).timestamp() * 1000)


def test_holder_then_standbys_in_order():
    leases: AgentLeases[str] = AgentLeases()
    first = leases.hello("c1", "cr", "ag_one", OBS, at(0))
    assert (first.holder, first.changed, first.replaced) == (True, True, None)
    second = leases.hello("c2", "cr", "ag_two", OBS, at(1))
    assert (second.holder, second.changed) == (False, False)
    leases.hello("c3", "cr", "ag_three", OBS, at(2))
    assert leases.held_by("c1") is first.lease
    assert leases.held_by("c2") is None
    assert leases.lease_of("c2") is second.lease

    assert leases.leave("c2", at(3)) is None  # a standby leaving changes nothing
    left = leases.leave("c1", at(4))
    assert left is not None
    assert left.holder is not None
    assert (left.holder.agent_id, left.holder.owner, left.holder.since) == (
        "ag_three",
        "c3",
        at(4),
    )
    left = leases.leave("c3", at(5))
    assert left is not None
    assert (left.creator_id, left.target, left.holder) == ("cr", OBS, None)
    assert leases.holders("cr") == []
    assert leases.leave("c3", at(6)) is None  # once only


def test_holders_are_per_creator_and_target_oldest_first():
    leases: AgentLeases[str] = AgentLeases()
    leases.hello("b", "cr", "ag_b", "obs-b:4455", at(1))
    leases.hello("a", "cr", "ag_a", "obs-a:4455", at(2))
    leases.hello("x", "other", "ag_b", "obs-b:4455", at(0))
    assert [h.agent_id for h in leases.holders("cr")] == ["ag_b", "ag_a"]
    first = leases.first_holder("cr")
    assert first is not None and first.target == "obs-b:4455"
    assert [h.owner for h in leases.holders("other")] == ["x"]
    assert leases.first_holder("nobody") is None


def test_the_same_agent_again_takes_its_old_place():
    leases: AgentLeases[str] = AgentLeases()
    leases.hello("old", "cr", "ag_me", OBS, at(0))
    leases.hello("standby", "cr", "ag_other", OBS, at(1))
    again = leases.hello("new", "cr", "ag_me", OBS, at(2))
    assert (again.holder, again.replaced, again.changed) == (True, "old", False)
    assert again.lease.since == at(0)
    assert leases.leave("old", at(3)) is None  # the ghost's end changes nothing
    assert leases.held_by("new") is again.lease
    # The same agent id for another creator or target is another agent.
    assert leases.hello("elsewhere", "cr", "ag_me", "obs:1", at(4)).replaced is None
    assert leases.hello("theirs", "cr2", "ag_me", OBS, at(4)).replaced is None


def test_one_connection_one_agent():
    leases: AgentLeases[str] = AgentLeases()
    leases.hello("c", "cr", "ag_me", OBS, at(0))
    assert leases.hello("c", "cr", "ag_me", OBS, at(1)).holder is True
    for agent, target in (("ag_else", OBS), ("ag_me", "obs:1")):
        with pytest.raises(LeaseRefused) as refused:
            leases.hello("c", "cr", agent, target, at(1))
        assert (refused.value.status, refused.value.code) == (409, "agent_already_announced")


def test_limits_count_per_creator():
    leases: AgentLeases[int] = AgentLeases(max_standbys=2, max_targets=2)
    for n in range(3):  # a holder and two standbys
        leases.hello(n, "cr", f"ag_{n}", OBS, at(n))
    with pytest.raises(LeaseRefused) as refused:
        leases.hello(3, "cr", "ag_3", OBS, at(3))
    assert (refused.value.status, refused.value.code) == (429, "too_many_agents")
    assert leases.hello(4, "cr", "ag_4", "obs:1", at(3)).holder is True
    with pytest.raises(LeaseRefused):  # the standbys of every target count together
        leases.hello(5, "cr", "ag_5", "obs:1", at(3))
    with pytest.raises(LeaseRefused) as refused:
        leases.hello(6, "cr", "ag_6", "obs:2", at(3))
    assert "2 OBS targets" in refused.value.message
    assert leases.hello(7, "cr2", "ag_7", "obs:2", at(3)).holder is True
    leases.leave(1, at(4))
    assert leases.hello(8, "cr", "ag_8", OBS, at(5)).holder is False


def test_ran_since_knows_when_the_last_holding_ended():
    leases: AgentLeases[str] = AgentLeases()
    assert not leases.ran_since("cr", ms(0))
    leases.hello("c", "cr", "ag_me", OBS, at(10))
    assert leases.ran_since("cr", ms(20))  # holding now
    leases.leave("c", at(30))
    assert leases.ran_since("cr", ms(25))
    assert leases.ran_since("cr", ms(30))
    assert not leases.ran_since("cr", ms(31))
    assert not leases.ran_since("other", ms(0))


def test_announce_says_each_change_once():
    leases: AgentLeases[str] = AgentLeases()
    assert leases.announce("cr", OBS) is None  # nobody, and nobody was announced
    leases.hello("c1", "cr", "ag_one", OBS, at(0))
    leases.hello("c2", "cr", "ag_two", OBS, at(0))
    assert leases.announce("cr", OBS) == Announcement("cr", OBS, "ag_one")
    assert leases.announce("cr", OBS) is None
    leases.leave("c1", at(1))
    leases.leave("c2", at(2))
    # Two changes before the first was logged: the log's last word is the present.
    assert leases.announce("cr", OBS) == Announcement("cr", OBS, None)
    assert leases.announce("cr", OBS) is None

"""What the panel tells the streamer, without a terminal: the words, the title, the weight,
and which changes of the two connections are worth a notification at all."""

from __future__ import annotations

from streamfx_cli.errors import APIError, ServerUnreachable
from streamfx_cli.obs import ObsUnavailable
from streamfx_cli.tui import notices
from streamfx_cli.tui.state import ObsState


def test_failures_say_the_sentence_the_hint_and_flag_the_unexpected() -> None:
    known = notices.failure(ServerUnreachable("Cannot reach the server.", "Is it up?"), "Server")
    assert (known.title, known.message, known.severity) == (
        "Server",
        "Cannot reach the server.\nIs it up?",
        "error",
    )
    assert notices.failure(ConnectionRefusedError(111, "refused"), "X").message == (
        "[Errno 111] refused"
    )
    assert notices.failure(KeyError(), "StreamFX").message == "Unexpected KeyError: KeyError"


def test_not_shown_in_obs_says_the_effect_was_recorded() -> None:
    told = notices.not_shown_in_obs("Banner", ObsUnavailable("OBS is not running."))
    assert (told.title, told.message, told.severity) == (
        "Banner",
        "Recorded, but not shown in OBS: OBS is not running.",
        "warning",
    )
    bug = notices.not_shown_in_obs("Banner", ValueError("bad render"))
    assert bug.message == "Recorded, but not shown in OBS: Unexpected ValueError: bad render"


def test_obs_changes_worth_saying() -> None:
    refused = ObsState("down", detail="OBS refused the password.", waiting=True)
    said = notices.obs_changed("connecting", refused)
    assert said is not None and said.severity == "error" and said.timeout == 20
    assert said.message == "OBS refused the password.\nThen press o to try again."
    assert notices.obs_changed("down", refused) is None, "said once, not every retry"
    lost = notices.obs_changed("connected", ObsState("reconnecting"))
    assert lost is not None and lost.message == "Lost OBS; reconnecting…"
    back = notices.obs_changed("down", ObsState("connected"))
    assert back is not None and back.message == "Connected to OBS again."
    assert notices.obs_changed("connecting", ObsState("connected")) is None, "first connect"
    assert notices.obs_changed("reconnecting", ObsState("down")) is None


def test_server_changes_worth_saying() -> None:
    lost = notices.server_changed("live", "reconnecting", "The server closed the connection.")
    assert lost is not None
    assert lost.message == "The server closed the connection. Reconnecting…"
    assert notices.server_changed("reconnecting", "reconnecting", "again") is None
    back = notices.server_changed("reconnecting", "live", "")
    assert back is not None and back.message == "Connected to the server again."
    assert notices.server_changed("connecting", "live", "") is None, "first connect"
    gone = notices.signed_out("The sign-in was ended.")
    assert gone.title == "Not signed in" and gone.timeout == 30
    assert "streamfx login" in gone.message and gone.message.endswith("then press r.")


def test_session_and_kit_notices() -> None:
    assert notices.session_done("resume").message == "Session resumed."
    refused = APIError(409, "session_live", "A session is already live.", "End it first.")
    told = notices.session_refused(refused.message, refused.hint)
    assert told.message == "A session is already live.\nEnd it first."
    assert notices.active_kit("Calm", False).message == "Active brand kit: Calm."
    assert notices.active_kit("Calm", True).message.endswith(
        "This session keeps the kit it was started with."
    )


def test_the_agent_coming_and_going_is_said_once_each_way() -> None:
    from streamfx_cli.tui.model import AgentHolder

    agent = AgentHolder("ag_one", "127.0.0.1:4455")
    assert notices.agent_changed(None, True, agent) is None, "not when the panel opens"
    assert notices.agent_changed(True, True, agent) is None
    gone = notices.agent_changed(True, False, None)
    assert gone is not None and gone.severity == "warning"
    assert gone.message.startswith("The OBS agent stopped: this panel draws again.")
    back = notices.agent_changed(False, True, agent)
    assert back is not None
    assert back.message == (
        "The OBS agent is drawing in OBS at 127.0.0.1:4455: this panel leaves OBS to it."
    )


def test_what_the_agent_made_of_a_panel_fire_is_said_when_viewers_missed_it() -> None:
    assert notices.agent_delivery("Banner", "shown", None) is None
    hidden = notices.agent_delivery("Banner", "hidden", "StreamFX is hidden in scene 'Game'")
    assert hidden is not None and hidden.severity == "warning"
    assert hidden.message == (
        "The agent showed it, but viewers cannot see it: StreamFX is hidden in scene 'Game'."
    )
    expired = notices.agent_delivery("Banner", "expired", "no agent drew it within 5000 ms")
    assert expired is not None and expired.severity == "error"
    assert "(expired): no agent drew it within 5000 ms." in expired.message

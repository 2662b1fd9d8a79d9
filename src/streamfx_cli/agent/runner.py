"""Build the agent from what `streamfx login` and `streamfx obs config` saved, and run it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import NotLoggedIn, StreamFXError
from ..paths import data_dir
from .cache import Cache
from .journal import Journal
from .local_socket import socket_path
from .offline import Offline, ServerCalls
from .service import Agent, new_agent_id


def target_of(host: str, port: int) -> str:
    return f"{host}:{port}"


def run_agent(tell: Callable[[str], object]) -> int:
    """`streamfx agent run`: returns the exit code (0 stopped, 3 signed out)."""
    from ..api import Api
    from ..client import Session
    from ..live_socket import ws_url
    from ..obs import ObsConnection
    from ..obs.visibility import delivery_for
    from ..obs_settings import load_settings
    from .link import Link
    from .obs_events import OwnActions, Watcher
    from .stage import Stage

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    session = Session()
    login = session.current()  # NotLoggedIn: exit 3 with the usual hint
    obs = load_settings()
    target = target_of(obs.host, obs.port)
    agent_id = new_agent_id()
    api = Api.signed_in(sign_in=session)

    def fetch(asset: Mapping[str, Any], label: str) -> str:
        from ..asset_cache import ensure_local

        return str(ensure_local(api, asset, label))

    def connect() -> ObsConnection:
        return ObsConnection(obs.host, obs.port, obs.password, timeout=1.0, request_timeout=5.0)

    def see(conn: ObsConnection, kind: str) -> tuple[str, str | None]:
        seen = delivery_for(kind, conn)
        return seen.status, seen.reason

    # Where this agent got to in the creator's events, per server and creator: a restarted
    # agent resumes after it and draws what came meanwhile, if still in time.
    seq_file = data_dir() / "agent-seq.json"
    resume_from = _read_seq(seq_file, login.server, login.creator_id)

    def save_seq(seq: int) -> None:
        seq_file.write_text(
            json.dumps({"server": login.server, "creatorId": login.creator_id, "seq": seq})
        )

    def make_link(**callbacks: Any) -> Link:
        return Link(
            ws_url(login.server),
            lambda: session.fresh().access_token,
            lambda used: session.refresh(used).access_token,
            agent_id,
            target,
            **callbacks,
        )

    def read_cache() -> dict[str, Any]:
        data = api.effect_renders()
        live = api.live_session()
        data["liveSessionId"] = live["id"] if live else None
        return data

    def replay(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return api.replay_trigger(body)

    calls = ServerCalls(read_cache, replay)
    folder = data_dir()
    cache = Cache.load(folder / "agent-cache.json")
    journal = Journal(folder / "agent-journal.jsonl")

    # The events StreamFX's own draws cause in OBS are not reported to the rules.
    own = OwnActions()

    async def main() -> str | None:
        agent = Agent(
            make_link,
            Stage(connect, fetch, see, note=own.note),
            socket_path(),
            agent_id,
            target,
            lambda submit: Offline(calls, cache, journal, submit),
            save_seq,
            lambda report: Watcher(connect, report, own),
        )
        agent.link.last_seq = resume_from
        tell(f"StreamFX agent {agent_id} for OBS at {target}, server {login.server}.")
        return await agent.run()

    try:
        ended = asyncio.run(main())
    except OSError as exc:
        raise StreamFXError(f"The agent could not start: {exc}.") from None
    finally:
        api.close()
    if ended:
        raise NotLoggedIn(
            f"The agent stopped: {ended.rstrip('.')}; its drawing lease is released.",
            "Sign in again with `streamfx login`, then run `streamfx agent start`.",
        )
    return 0


def _read_seq(path: Path, server: str, creator_id: str) -> int | None:
    """The last seq a previous agent saw on this server for this creator, if any."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or (data.get("server"), data.get("creatorId")) != (
        server,
        creator_id,
    ):
        return None
    seq = data.get("seq")
    return seq if isinstance(seq, int) and seq >= 0 else None

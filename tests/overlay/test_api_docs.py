"""`/docs` draws in a real browser from this server alone: no request leaves loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.reliability.helpers import own_server


def test_docs_render_with_nothing_from_the_internet(browser: Any, tmp_path: Path):
    with own_server(tmp_path / "data", extra_args=("--docs",)) as server:
        context = browser.new_context()
        page = context.new_page()
        hosts: list[str] = []
        page.on("request", lambda request: hosts.append(urlsplit(request.url).hostname or ""))
        refused: list[str] = []
        page.on(
            "console",
            lambda msg: refused.append(msg.text) if "Content Security" in msg.text else None,
        )
        page.goto(f"{server.url}/docs")
        # Swagger UI draws the API's title and its operations once its script ran.
        page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
        assert "StreamFX" in page.inner_text(".swagger-ui .info .title")
        page.wait_for_selector(".opblock-summary-path", timeout=15_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        context.close()
    assert "/api/effects/trigger" in paths
    assert set(hosts) == {"127.0.0.1"}, hosts
    assert refused == []

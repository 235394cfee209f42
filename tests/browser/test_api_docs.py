"""The API's browsable page: Swagger UI from locally served assets, under the strict CSP."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import login


def test_a_case_worker_browses_the_api_description(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    login(page, live_server, inspector.username)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("/api/v1/meldingen/", exact=True).first).to_be_visible()
    assert all(url.startswith(live_server.url) for url in requests), requests

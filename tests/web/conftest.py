"""One headless Chromium (the Debian package, never a downloaded browser) per test module,
driven through Playwright against the session's ``mimeo serve``."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.conftest import MimeoServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 60_000
"""A model's first prediction includes its cold start."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (system-packages-dev.txt)")
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs it (system-packages-dev.txt)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def sign_in(context: BrowserContext, server: MimeoServer) -> Page:
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{server.url}/")
    page.get_by_label("API token").fill(server.token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    return page


@pytest.fixture(scope="module")
def signed_in(browser: Browser, mimeo_server: MimeoServer) -> Iterator[Page]:
    """A page of a browser signed in to the session's account, shared by the module."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield sign_in(context, mimeo_server)
    finally:
        context.close()

"""Headless Debian Chromium for the browser tests, through Playwright (never a downloaded browser)."""

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "a-long-test-password-1"


def pytest_collection_modifyitems(config: Any, items: list[pytest.Item]) -> None:
    if shutil.which(CHROMIUM):
        return
    reason = f"Browser tests need Debian's chromium at {CHROMIUM}; it is not installed here"
    print(reason)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def browser_page() -> Iterator[Any]:
    """A page in a fresh headless Chromium; ``page.console_errors`` collects what the page logs as errors
    (a CSP violation, say)."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.console_errors = errors
        yield page
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

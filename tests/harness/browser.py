"""Playwright (Python) driving Debian's chromium; screenshots go under test-output/screenshots/."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.people import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Debian's chromium is needed for browser tests: apt-get install chromium")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body
    # are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class PageProblems:
    """Console errors and CSP violations seen by a page; asserted empty at the end of a test."""

    def __init__(self) -> None:
        self.csp: list[str] = []
        self.errors: list[str] = []

    def attach(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _on_console(self, message) -> None:
        if message.type == "error":
            text = message.text
            if "Content Security Policy" in text or "Content-Security-Policy" in text:
                self.csp.append(text)
            else:
                self.errors.append(text)


def _new_page(browser, live_url: str, options: dict, request):
    context = browser.new_context(base_url=live_url, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = PageProblems()
    problems.attach(page)
    request.node.page_problems = problems
    return context, page, problems


@pytest.fixture
def page(browser, live_url, request):
    context, page, problems = _new_page(browser, live_url, DESKTOP, request)
    yield page
    context.close()
    assert not problems.csp, f"Content-Security-Policy violations: {problems.csp}"
    assert not problems.errors, f"JavaScript errors on the page: {problems.errors}"


@pytest.fixture
def phone_page(browser, live_url, request):
    context, page, problems = _new_page(browser, live_url, PHONE, request)
    yield page
    context.close()
    assert not problems.csp, f"Content-Security-Policy violations: {problems.csp}"
    assert not problems.errors, f"JavaScript errors on the page: {problems.errors}"


@pytest.fixture
def screenshot(test_output_dir, request):
    """``screenshot(page, "name")`` saves test-output/screenshots/<test>/<name>.png and returns the path."""
    folder = test_output_dir / "screenshots" / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, *, full_page: bool = True) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def sign_in(page, user, password: str = PASSWORD) -> None:
    """Sign in through the real login form and wait for the role's home page."""
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")

from __future__ import annotations

import pytest

from tests.harness.browser import sign_in

pytestmark = pytest.mark.browser


def test_api_docs_render_offline_under_the_content_security_policy(page, screenshot, therapist_a):
    sign_in(page, therapist_a)
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 3
    assert page.get_by_text("/api/v1/patients/").first.is_visible()
    screenshot(page, "api-docs", full_page=False)

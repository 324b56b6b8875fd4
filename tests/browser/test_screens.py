"""Every main page of every role fits the screens of a ward (no horizontal scroll at 1,366 px nor on a
768 px tablet) and has no serious or critical accessibility finding (axe-core, WCAG 2.2 A and AA).
Issue 16, acceptance."""

from __future__ import annotations

import pytest

from demo.seed import DemoBuilder
from tests.browser.screens import VIEWPORTS, main_pages, page_width_excess, serious_axe_findings
from tests.conftest import ROLES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_pathways(reference_data):
    DemoBuilder(pathways=40, seed=3).build()


@pytest.mark.parametrize("persona", ROLES, indirect=True)
def test_every_main_page_fits_the_screen_and_passes_axe(demo_pathways, persona, login_page, live_server):
    page = login_page(persona)
    problems, checked = [], 0
    for name, path in main_pages():
        page.set_viewport_size(VIEWPORTS[0])
        response = page.goto(f"{live_server.url}{path}")
        if response.status == 403:  # not a page of this role
            continue
        assert response.status == 200, (name, response.status)
        checked += 1
        for viewport in VIEWPORTS:
            page.set_viewport_size(viewport)
            if excess := page_width_excess(page):
                problems.append(f"{name} {path}: {excess}px wider than the window at {viewport['width']}px")
        page.set_viewport_size(VIEWPORTS[0])
        problems.extend(f"{name} {path}: {finding}" for finding in serious_axe_findings(page))
    assert checked >= 5
    assert problems == [], "\n".join(problems)

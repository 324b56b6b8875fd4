import csv
import io

import pytest
from playwright.sync_api import expect

from pathway.models import Stage
from tests.dashboard.helpers import make_pathway

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_filters_the_dashboard_by_consultant_and_downloads_the_csv(
    reference_data, login_page, manager, consultant, make_user
):
    other = make_user("Consultant", username="t_other", first_name="Olive", last_name="Other")
    mine = [make_pathway(stage=Stage.MRI, responsible_consultant=consultant) for _ in range(2)]
    make_pathway(stage=Stage.REFERRAL, responsible_consultant=other)

    page = login_page(manager)
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", name="Service dashboard")).to_be_visible()
    expect(page.locator("#table-stages tfoot")).to_contain_text("3")

    page.get_by_label("Consultant").select_option(label=consultant.display_name)
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#table-stages tfoot")).to_contain_text("2")
    expect(page.locator("#table-stages")).to_contain_text("MRI review")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV of these pathways").click()
    with open(download_info.value.path()) as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert sorted(int(r["pathway_id"]) for r in rows) == sorted(p.pk for p in mine)
    assert {r["consultant"] for r in rows} == {consultant.username}

"""Personas by role (never a superuser in a permission test) and the browser set-up."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.factories import PASSWORD, UserFactory

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ROLES = ("Radiologist", "Consultant", "Nurse", "Manager")


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Worklist counts and dashboard figures are cached under a key built from the latest row ids,
    which a rolled-back test database can repeat: every test starts and ends with an empty cache."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def seed_reference_data() -> None:
    """Roles, the rules table, and the risk and leaflet library: what migrations and sync_roles give
    a real database. Idempotent."""
    from accounts.services import sync_roles
    from consent.library_seed import seed_library
    from consent.models import Leaflet, Risk, RiskVersion
    from pathway.models import Rule
    from pathway.rules_seed import RULES

    sync_roles()
    for row in RULES:
        Rule.objects.get_or_create(key=row["key"], defaults=row)
    seed_library(Risk, RiskVersion, Leaflet)


@pytest.fixture
def reference_data(db):
    seed_reference_data()


@pytest.fixture(autouse=True)
def _reference_data_present(request):
    """Every database test starts with the reference data a migrated database has. A transactional
    test (browser tests with live_server) ends by flushing every table, reference data included, and
    pytest-xdist may run such a test before others on the same worker: put it back when missing."""
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not uses_db:
        return
    from pathway.models import Rule

    if not Rule.objects.exists():
        seed_reference_data()


@pytest.fixture
def make_user(db):
    def make(role: str | None = None, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def radiologist(make_user):
    return make_user("Radiologist", username="t_radiologist", first_name="Rita", last_name="Radiologist")


@pytest.fixture
def consultant(make_user):
    return make_user("Consultant", username="t_consultant", first_name="Colin", last_name="Consultant")


@pytest.fixture
def nurse(make_user):
    return make_user("Nurse", username="t_nurse", first_name="Nora", last_name="Nurse")


@pytest.fixture
def manager(make_user):
    return make_user("Manager", username="t_manager", first_name="Mia", last_name="Manager")


@pytest.fixture
def persona(request, make_user):
    """Indirect parametrisation by role name: @pytest.mark.parametrize("persona", ROLES, indirect=True)."""
    role = request.param
    return make_user(role, username=f"p_{role.lower()}")


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


# --- browser -------------------------------------------------------------------------------------


def _chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


def pytest_collection_modifyitems(config, items):
    if _chromium_available():
        return
    ci = os.environ.get("CI", "").lower() == "true"
    for item in items:
        if "browser" in item.keywords:
            if ci:
                item.add_marker(pytest.mark.xfail(reason="", run=False, strict=True))
                raise pytest.UsageError("CI=true but Chromium is missing at /usr/bin/chromium: browser tests must run.")
            item.add_marker(pytest.mark.skip(reason="Chromium not installed (apt-get install -y chromium)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def login_page(page, live_server):
    """Sign a persona in through the real login form; returns the page."""

    def login(user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return login

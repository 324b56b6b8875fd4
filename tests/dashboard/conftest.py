import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_dashboard_cache():
    """Dashboard figures are cached by a key that a rolled-back test database can repeat."""
    cache.clear()
    yield
    cache.clear()

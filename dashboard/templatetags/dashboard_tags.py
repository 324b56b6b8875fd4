import datetime

from django import template

register = template.Library()


@register.filter
def month_label(month: str) -> str:
    """'2026-03' -> 'Mar 2026'."""
    try:
        return datetime.date.fromisoformat(f"{month}-01").strftime("%b %Y")
    except (TypeError, ValueError):
        return ""


@register.filter
def pct(value, places: int = 1) -> str:
    """A percentage with its sign, or an em dash when there is no figure (nothing to divide)."""
    if value is None:
        return "—"
    return f"{float(value):.{int(places)}f}%"


@register.filter
def days(value) -> str:
    if value is None:
        return "—"
    return f"{float(value):.1f}"


@register.simple_tag(takes_context=True)
def sort_url(context, key: str) -> str:
    """The current page's query with the list sorted by `key` (descending when already ascending)."""
    request = context["request"]
    query = request.GET.copy()
    current = query.get("ordering", "")
    query["ordering"] = f"-{key}" if current == key else key
    query.pop("page", None)
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def sort_state(context, key: str) -> str:
    """aria-sort value of a column header: ascending, descending or none."""
    current = context["request"].GET.get("ordering", "")
    if current == key:
        return "ascending"
    if current == f"-{key}":
        return "descending"
    return "none"

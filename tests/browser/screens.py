"""The main pages of the app for a role, and two measures taken in the browser: the page's width
against the window's (no horizontal scroll), and axe-core's findings (WCAG 2.2 A and AA).

axe-core is vendored in static/vendor/axe-core/ for these tests only; no product page loads it. It is
evaluated through the browser's debugging protocol, which the page's Content-Security-Policy does not
govern, so the pages are checked under their real policy.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.urls import reverse

from consent.models import ConsentRecord
from pathway.models import ChecklistPhase, Pathway, PathwayStatus, Stage

AXE_SOURCE = (Path(settings.BASE_DIR) / "static/vendor/axe-core/axe.min.js").read_text(encoding="utf-8")
# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe-core's tags).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS = ({"width": 1366, "height": 768}, {"width": 768, "height": 1024})


def _open_at(stage: Stage) -> Pathway | None:
    return Pathway.objects.filter(current_stage=stage, status=PathwayStatus.OPEN).order_by("pk").first()


def main_pages() -> list[tuple[str, str]]:
    """(name, path) of every main page, on the demo data: lists, the dashboard, a patient, a pathway
    at every stage with its stage form, and the sub-pages of the day."""
    pages = [
        ("worklist", reverse("dashboard:home")),
        ("patients", reverse("pathway:patient_list")),
        ("register patient", reverse("pathway:patient_create")),
        ("pathways", reverse("pathway:list")),
        ("dashboard", reverse("dashboard:dashboard")),
    ]
    # A whole worklist a page at a time, one list of each role's (403 for the others, skipped).
    for key in ("suitability", "consent", "pre_assessment"):
        pages.append((f"worklist {key}", reverse("dashboard:worklist", args=[key])))
    any_pathway = Pathway.objects.order_by("pk").first()
    pages.append(("patient", reverse("pathway:patient_detail", args=[any_pathway.patient_id])))
    for stage in Stage:
        pathway = _open_at(stage)
        if pathway is None:
            continue
        pages.append((f"pathway at {stage.label}", reverse("pathway:detail", args=[pathway.pk])))
        name = "consent:consent" if stage == Stage.CONSENT else f"pathway:{stage.value}"
        pages.append((f"{stage.label} form", reverse(name, args=[pathway.pk])))
    day = _open_at(Stage.PROCEDURE)
    if day is not None:
        for phase in ChecklistPhase:
            pages.append((f"checklist {phase.label}", reverse("pathway:safety_checklist", args=[day.pk, phase.value])))
        pages.append(("treated level", reverse("pathway:treated_level_add", args=[day.pk])))
        pages.append(("complications", reverse("pathway:complications", args=[day.pk])))
        pages.append(("complication form", reverse("pathway:complication_add", args=[day.pk])))
    recovery = _open_at(Stage.RECOVERY)
    if recovery is not None:
        pages.append(("observations", reverse("pathway:observation_set_add", args=[recovery.pk])))
    draft = ConsentRecord.objects.filter(signed_at__isnull=True, superseded_by__isnull=True).order_by("pk").first()
    if draft is not None:
        pages.append(("consent signatures", reverse("consent:sign", args=[draft.pathway_id, draft.pk])))
    return pages


def page_width_excess(page) -> int:
    """How many CSS pixels the document is wider than the window (0 when it fits)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def serious_axe_findings(page) -> list[str]:
    page.evaluate(AXE_SOURCE)
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_TAGS
    )
    found = []
    for violation in results["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            found.append(f"{violation['impact']} {violation['id']} ({len(violation['nodes'])}): {targets}")
    return found

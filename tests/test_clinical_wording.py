"""Issue 16: every label in clinical English. No page a role uses shows a developer's reference: the
specification's file names ("domain.md"), its citation marks ("[R27]", "[A]", "[I]"), gate codes
("G3"), or a raw model name ("mri review", "EGFR"). Help texts count: they are in the page's text.

The pages are the main pages of tests/browser/screens.py (every list, the dashboard, a pathway at
every stage with its stage form, the sub-pages of the day) and the consent pages, on the demo data,
fetched with the test client as each role."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from consent.models import ConsentRecord
from demo.seed import DemoBuilder
from pathway.core.wording import source_for_clinicians
from pathway.models import Pathway, Stage
from tests.browser.screens import main_pages
from tests.conftest import ROLES

pytestmark = pytest.mark.django_db

# (what it is, pattern) — each a developer marker that has no place on a clinical screen.
MARKERS = [
    ("a specification file", re.compile(r"\b(domain|design|architecture)\.md\b", re.I)),
    ("a reference citation", re.compile(r"\[R\d+[a-z]?\]")),
    ("an evidence tag", re.compile(r"\[(A|S|I|E|L|U)(-[a-z]+)?\]")),
    ("a gate code", re.compile(r"\bG[1-7]\b")),
    ("an issue number", re.compile(r"\bissue \d+\b", re.I)),
    ("eGFR in capitals", re.compile(r"\bEGFR\b")),
    ("a raw model name", re.compile(r"\b(mri review|mriscan|preassessment|historical\w+)\b")),
    ("a code name", re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")),
]
ATTRIBUTES = re.compile(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"')


def visible_text(page: str) -> str:
    """The words a user reads or hears: the text and the labelling attributes, not scripts or URLs."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    labels = " ".join(ATTRIBUTES.findall(page))
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(re.sub(r"\s+", " ", f"{text} {labels}"))


def markers_in(text: str) -> list[str]:
    found = []
    for what, pattern in MARKERS:
        for match in pattern.finditer(text):
            context = text[max(0, match.start() - 50) : match.end() + 30]
            found.append(f"{what}: ...{context}...")
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sham-controlled trials (Cochrane 2018, domain.md 5.1 [R58]).", 2),
        ("Pre-assessment complete (G3).", 1),
        ("EGFR 64", 1),
        ("Status: not_applicable", 1),
        ("eGFR 64 mL/min/1.73m²; MRI review; pre-assessment; follow-up in 4 weeks", 0),
    ],
)
def test_the_markers_are_recognised(text, expected):
    assert len(markers_in(text)) == expected


@pytest.mark.parametrize(
    ("source", "tag", "shown"),
    [
        (
            "Older SIR hold rules summary and TSACO Table 8, domain.md 4.3 [R29][R29b]",
            "[S]",
            "Older SIR hold rules summary and TSACO Table 8 (summary of guidance, to be confirmed locally)",
        ),
        ("Common practice, not verified, domain.md 4.3", "[U]", "Common practice, not verified"),
        (
            "2023 AF guideline Table 18, domain.md 4.3 [R27]",
            "[A]",
            "2023 AF guideline Table 18 (authoritative guidance)",
        ),
    ],
)
def test_a_rules_source_reads_in_words(source, tag, shown):
    assert source_for_clinicians(source, tag) == shown
    assert markers_in(shown) == []


def consent_pages() -> list[tuple[str, str]]:
    pages = []
    signed = ConsentRecord.objects.filter(signed_at__isnull=False, withdrawal__isnull=True).order_by("pk").first()
    if signed is not None:
        args = [signed.pathway_id, signed.pk]
        pages += [
            ("consent record", reverse("consent:detail", args=args)),
            ("consent confirmation", reverse("consent:confirm", args=args)),
            ("consent withdrawal", reverse("consent:withdraw", args=args)),
        ]
    draft = ConsentRecord.objects.filter(signed_at__isnull=True, superseded_by__isnull=True).order_by("pk").first()
    if draft is not None:
        pages.append(("consent draft", reverse("consent:consent", args=[draft.pathway_id])))
    follow_up = Pathway.objects.filter(current_stage=Stage.FOLLOW_UP).order_by("pk").first()
    if follow_up is not None:
        pages.append(("unscheduled contact", reverse("pathway:unscheduled_contact_add", args=[follow_up.pk])))
    return pages


def test_no_page_of_any_role_shows_a_developer_reference(reference_data, make_user, client):
    """One demo data set, every role in turn (one build keeps the test quick)."""
    DemoBuilder(pathways=40, seed=3).build()
    pages = [*main_pages(), *consent_pages()]
    assert any(name == "consent draft" for name, _path in pages)
    problems = []
    for role in ROLES:
        client.force_login(make_user(role, username=f"w_{role.lower()}"))
        checked = 0
        for name, path in pages:
            response = client.get(path)
            if response.status_code == 403:  # not a page of this role
                continue
            assert response.status_code == 200, (role, name, path, response.status_code)
            checked += 1
            text = visible_text(response.content.decode())
            problems += [f"{role}, {name} {path}: {found}" for found in markers_in(text)]
        assert checked >= 5, role
    assert problems == [], "\n".join(problems)

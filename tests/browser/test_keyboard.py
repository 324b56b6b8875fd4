"""Keyboard only (issue 16): consent signed with the keyboard signature (the patient types their name
and ticks the statement; the consultant types their password), and the WHO safety checklist's time
out and sign out with its debrief, using Tab, Shift+Tab, the arrow keys, Space, Enter and typing; no
mouse click. Every element the focus stops on shows that it has the focus (a visible outline or
shadow, under :focus-visible), and the result is recorded."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consent.models import ConsentRecord
from pathway.models import Procedure, Stage, TreatedLevel
from pathway.procedure import services as procedure_services
from tests.factories import (
    PASSWORD,
    ConsentRecordFactory,
    MriLevelFindingFactory,
    MriScanFactory,
    PathwayFactory,
    PreAssessmentFactory,
    SuitabilityAssessmentFactory,
)
from tests.pathway.day_helpers import ago, answer, make_day_pathway, seed_library

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What has the focus, and whether it shows it: :focus-visible with an outline or a box shadow.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = !!style.boxShadow && style.boxShadow !== 'none';
  return {tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '', value: el.value || '',
          id: el.id || '', text: (el.innerText || '').trim().slice(0, 60),
          focus: el.matches(':focus'), shown: el.matches(':focus-visible') && (outline || shadow)};
}"""


class Keyboard:
    """Moves the focus with Tab (or Shift+Tab) and records every stop whose focus is not visible."""

    def __init__(self, page):
        self.page = page
        self.unseen: list[dict] = []
        self.clicks: list[str] = []
        # A mouse click anywhere would be a mistake of the test: record it.
        page.expose_function("__vpClick", lambda target: self.clicks.append(target))
        page.add_init_script(
            "document.addEventListener('mousedown', e => window.__vpClick(e.target.tagName), true);"
        )

    def focused(self) -> dict | None:
        return self.page.evaluate(FOCUSED)

    def tab_to(self, wanted, *, back: bool = False, limit: int = 200) -> dict:
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if back else "Tab")
            stop = self.focused()
            if stop is None:
                continue
            # Past a date field's last part Chromium stops on the field's own calendar button, inside
            # the browser's control (the field itself then no longer matches :focus): not the page's.
            browser_own = stop["type"] in ("date", "datetime-local", "time") and not stop["focus"]
            if not stop["shown"] and not browser_own:
                self.unseen.append(stop)
            if wanted(stop):
                return stop
        raise AssertionError(f"The focus never reached the element wanted ({limit} presses).")


def _named(name: str, value: str | None = None):
    return lambda stop: stop["name"] == name and (value is None or stop["value"] == value)


def _button(text: str):
    return lambda stop: stop["tag"] in ("button", "a") and stop["text"] == text


@pytest.fixture
def draft_consent(reference_data, consultant):
    seed_library()
    pathway = PathwayFactory(current_stage=Stage.CONSENT, planned_procedure_on=timezone.localdate())
    SuitabilityAssessmentFactory(pathway=pathway)
    MriLevelFindingFactory(scan=MriScanFactory(pathway=pathway), level="T12")
    PreAssessmentFactory(pathway=pathway)
    return ConsentRecordFactory(pathway=pathway, operator=consultant)


def test_consent_signed_with_the_keyboard_signature(draft_consent, login_page, consultant, live_server):
    consent = draft_consent
    page = login_page(consultant)
    keys = Keyboard(page)
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    page.goto(f"{live_server.url}/pathways/{consent.pathway_id}/consent/")

    keys.tab_to(_button("Go to signatures"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Signatures:")).to_be_visible()

    # How the patient signs: a radio group, chosen with the arrow keys.
    keys.tab_to(_named("method"))
    for _ in range(6):
        if page.locator("input[name=method][value=typed]").is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(page.locator("input[name=method][value=typed]")).to_be_checked()
    expect(page.get_by_label("Patient's full name, typed by the patient")).to_be_visible()

    # The patient types their name and ticks the statement.
    keys.tab_to(_named("typed_name"))
    page.keyboard.type(str(consent.pathway.patient))
    keys.tab_to(_named("attested"))
    page.keyboard.press("Space")
    expect(page.locator("input[name=attested]")).to_be_checked()

    # The consultant's password, then Enter submits.
    keys.tab_to(_named("password"))
    page.keyboard.type(PASSWORD)
    keys.tab_to(_button("Sign the consent"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Consent signed. The signed PDF has been stored.")).to_be_visible()

    consent = ConsentRecord.objects.get(pk=consent.pk)
    assert consent.signed_at is not None
    assert consent.signature_method == "typed"
    assert consent.patient_typed_name == str(consent.pathway.patient)
    assert keys.unseen == [], keys.unseen
    assert keys.clicks == []
    assert len(loads) < 6, loads


def _answer_all_yes_by_keyboard(page, keys: Keyboard, prefix: str = "") -> None:
    """Each item of the phase on the page: Tab to its group, Space on its first choice (Yes)."""
    names = page.eval_on_selector_all(
        f"input[type=radio][name^='{prefix}item_']", "els => [...new Set(els.map(e => e.name))]"
    )
    assert names
    for name in names:
        stop = keys.tab_to(_named(name))
        assert stop["value"] == "yes", stop
        page.keyboard.press("Space")
        expect(page.locator(f"input[name='{name}'][value=yes]")).to_be_checked()


def test_the_safety_checklist_by_keyboard(reference_data, login_page, radiologist, live_server):
    pathway = make_day_pathway(operator=radiologist)
    answer(pathway, "sign_in", radiologist)
    page = login_page(radiologist)
    keys = Keyboard(page)

    # Time out: every item with the keyboard, Enter on the button.
    page.goto(f"{live_server.url}/pathways/{pathway.pk}/procedure/checklist/time_out/")
    _answer_all_yes_by_keyboard(page, keys)
    keys.tab_to(_button("Record time out"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Time out complete.")).to_be_visible()

    # The level and the procedure record (their forms are other tests'), then the sign out with its
    # debrief: Shift+Tab back from the button checks the focus goes both ways.
    procedure = Procedure.objects.get(pathway=pathway)
    procedure_services.record_treated_level(
        acting_user=radiologist,
        pathway=pathway,
        treated_level=TreatedLevel(
            level="T12",
            approach="transpedicular",
            laterality="bipedicular",
            needle_gauge=11,
            cement_product="PMMA",
            cement_lot="LOT1",
            cement_expiry=timezone.localdate() + datetime.timedelta(days=100),
            cement_volume_ml=Decimal("4.0"),
        ),
    )
    Procedure.objects.filter(pk=procedure.pk).update(
        operator=radiologist,
        started_at=ago(60),
        ended_at=ago(20),
        guidance=["fluoro_biplane"],
        sedation_drugs=[{"drug": "midazolam", "dose": "2", "unit": "mg", "route": "IV", "time": "09:05"}],
    )
    page.goto(f"{live_server.url}/pathways/{pathway.pk}/procedure/checklist/sign_out/")
    _answer_all_yes_by_keyboard(page, keys)
    _answer_all_yes_by_keyboard(page, keys, prefix="debrief-")
    keys.tab_to(_button("Record sign out"))
    keys.tab_to(_named("debrief-item_learning"), back=True)
    keys.tab_to(_button("Record sign out"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Debrief complete.")).to_be_visible()

    procedure = Procedure.objects.get(pk=procedure.pk)
    for phase in ("time_out", "sign_out", "debrief"):
        assert procedure.phase_complete(phase), phase
    assert {a.answered_by_id for a in procedure.answers("debrief").values()} == {radiologist.pk}
    assert keys.unseen == [], keys.unseen
    assert keys.clicks == []

"""Issue 16: each Oswestry Disability Index section shows its six statements as radio choices, not a
bare 0-5 list, at the baseline (suitability) and the follow-up. The stored answer is still the score
0-5, so the scoring (pathway/scores.py, tested at every band boundary in test_scores.py) is unchanged."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.forms import RadioSelect
from django.urls import reverse

from pathway.follow_up.forms import FollowUpForm
from pathway.models import FollowUp
from pathway.outcomes import NOT_ANSWERED, ODI_FIELDS, ODI_SECTIONS, ODI_STATEMENTS
from pathway.suitability.forms import SuitabilityAssessmentForm
from tests.factories import FollowUpFactory, SuitabilityAssessmentFactory

pytestmark = pytest.mark.django_db


def test_ten_sections_of_six_distinct_statements():
    assert len(ODI_STATEMENTS) == len(ODI_SECTIONS) == 10
    for statements in ODI_STATEMENTS:
        assert len(statements) == 6 and len(set(statements)) == 6


@pytest.mark.parametrize("form_class", [FollowUpForm, SuitabilityAssessmentForm])
def test_each_section_offers_its_statements_scored_0_to_5(form_class, reference_data):
    instance = form_class._meta.model(pathway=FollowUpFactory().pathway)
    fields = form_class(instance=instance).fields
    for number, name in enumerate(ODI_FIELDS, 1):
        field = fields[name]
        assert list(field.choices) == [*enumerate(ODI_STATEMENTS[number - 1]), ("", NOT_ANSWERED)]
        assert field.required is False and isinstance(field.widget, RadioSelect)
    assert fields["odi_8"].help_text == "The patient may leave this section out."


def _radio(page: str, name: str, value: str) -> str:
    [tag] = re.findall(rf'<input[^>]*name="{name}"[^>]*value="{value}"[^>]*>', page)
    return tag


def test_the_follow_up_page_shows_the_statements_as_radios(client, reference_data, nurse):
    follow_up = FollowUpFactory(recorded=True)
    SuitabilityAssessmentFactory(pathway=follow_up.pathway)
    client.force_login(nurse)
    page = html_lib.unescape(
        client.get(reverse("pathway:follow_up", kwargs={"pk": follow_up.pathway_id})).content.decode()
    )
    for number, statements in enumerate(ODI_STATEMENTS, 1):
        assert f"ODI section {number}: {ODI_SECTIONS[number - 1].lower()}" in page
        for statement in statements:
            assert statement in page
    # The stored answers are checked: section 3 was answered 2 (its third statement); section 8 was
    # not answered, so "Not answered" is.
    assert "checked" in _radio(page, "odi_3", "2") and "checked" not in _radio(page, "odi_3", "1")
    assert "checked" in _radio(page, "odi_8", "")


def test_a_statement_chosen_is_stored_as_its_score(client, reference_data, nurse):
    follow_up = FollowUpFactory(recorded=True)
    SuitabilityAssessmentFactory(pathway=follow_up.pathway)
    client.force_login(nurse)
    url = reverse("pathway:follow_up", kwargs={"pk": follow_up.pathway_id})
    form = client.get(url).context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    data.update(dict.fromkeys(ODI_FIELDS, "4"), odi_8="", expected_version=follow_up.version)
    data["new_fracture"] = "false"
    data["complications_since_discharge"] = "false"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    stored = FollowUp.objects.get(pk=follow_up.pk)
    assert stored.odi_answers == [4] * 7 + [None] + [4] * 2
    assert (stored.odi.raw, stored.odi.percent) == (36, 80)

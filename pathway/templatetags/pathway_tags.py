import uuid

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from pathway.core import choices, submissions

register = template.Library()


@register.filter
def in_sentence(label) -> str:
    """`{{ stage.label|in_sentence }}`: lower case for use inside a sentence, acronyms kept."""
    return choices.in_sentence(label)


def stage_url(pathway_id: int, stage: str) -> str | None:
    """The form of a stage: `pathway:<stage>`, or the app of the same name (`consent:consent`)."""
    for name in (f"pathway:{stage}", f"{stage}:{stage}"):
        try:
            return reverse(name, kwargs={"pk": pathway_id})
        except NoReverseMatch:
            continue
    return None


@register.simple_tag
def stage_form_url(pathway, stage) -> str:
    return stage_url(pathway.pk, getattr(stage, "value", stage)) or reverse("pathway:detail", kwargs={"pk": pathway.pk})


@register.simple_tag
def form_token():
    """The hidden one-time token of a create form (pathway.core.submissions): a fresh one for each
    rendering, so a resubmit of this rendering has one effect and a new form is a new entry."""
    return format_html('<input type="hidden" name="{}" value="{}">', submissions.FIELD, uuid.uuid4())

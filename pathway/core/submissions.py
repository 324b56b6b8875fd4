"""Create forms have one effect however often they are posted (design.md 9).

Each rendered create form carries a one-time token (the `form_token` template tag). The row a form
creates is stored with its token in the same transaction, under the token's unique constraint; a
second post of the same form (a double click, a browser resubmit, the same request racing itself)
finds the token and gets the first result back, never a second row. A freshly rendered form has a
new token, so a genuinely new entry is always accepted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction

from pathway.core.models import FormSubmission

FIELD = "form_token"
T = TypeVar("T", bound=models.Model)


def token_from(data) -> uuid.UUID | None:
    """The form's token from POST data, or None when absent or not a UUID (then the post is handled
    as it always was: nothing to de-duplicate against)."""
    value = data.get(FIELD, "")
    try:
        return uuid.UUID(str(value))
    except (ValueError, AttributeError, TypeError):
        return None


def first_result(token: uuid.UUID, acting_user) -> models.Model | None:
    """What the first post of this form created, or None."""
    submission = FormSubmission.objects.filter(token=token, user=acting_user).select_related("content_type").first()
    if submission is None:
        return None
    return submission.content_type.get_object_for_this_type(pk=submission.object_id)


REPEAT_MESSAGE = "This form was already saved (a second click or a resubmit); nothing was added."


def replayed(request) -> models.Model | None:
    """The first result of the posted form if it was already saved, checked before the form is
    validated (a resubmitted form would otherwise fail on what its own first post created)."""
    token = token_from(request.POST)
    return None if token is None else first_result(token, request.user)


def once(*, token: uuid.UUID | None, acting_user, create: Callable[[], T]) -> tuple[T, bool]:
    """Run `create()` (a service that returns the row it made) once per token.

    Returns (row, True) the first time, and (the first row, False) for a repeat. Errors raised by
    `create` (a closed gate, a form error) propagate and leave nothing behind, token included, so the
    corrected form can be posted again with the same token.
    """
    if token is None:
        return create(), True
    with transaction.atomic():
        first = first_result(token, acting_user)
        if first is not None:
            return first, False
        try:
            with transaction.atomic():
                row = create()
                FormSubmission.objects.create(
                    token=token,
                    user=acting_user,
                    content_type=ContentType.objects.get_for_model(type(row)),
                    object_id=row.pk,
                )
        except IntegrityError:
            # The same form posted at the same moment: the other request stored the token first.
            first = first_result(token, acting_user)
            if first is None:
                raise
            return first, False
    return row, True

"""QuerySets of the core models. Clinical rows are never hard deleted."""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

from pathway.core import state
from pathway.core.queues import PathwayQueueMixin
from pathway.validators import normalise_nhs_number


class NoHardDeleteQuerySet(models.QuerySet):
    def delete(self):
        raise PermissionDenied("Clinical records are never deleted; close or correct them instead.")


class PatientQuerySet(models.QuerySet):
    def search(self, text: str):
        """NHS number (with or without spaces), hospital number, or the start of a name.

        Each branch is served by an index: the unique NHS and hospital numbers, and the name index.
        """
        text = (text or "").strip()
        if not text:
            return self
        digits = normalise_nhs_number(text)
        if digits.isdigit() and len(digits) == 10:
            return self.filter(Q(nhs_number=digits) | Q(hospital_number=text))
        query = Q(hospital_number__iexact=text)
        for word in text.replace(",", " ").split():
            query |= Q(family_name__istartswith=word) | Q(given_name__istartswith=word)
        words = text.replace(",", " ").split()
        if len(words) > 1:
            # "Smith John" or "John Smith": every word must match one of the names.
            both = Q()
            for word in words:
                both &= Q(family_name__istartswith=word) | Q(given_name__istartswith=word)
            return self.filter(both | Q(hospital_number__iexact=text))
        return self.filter(query)

    def delete(self):
        return NoHardDeleteQuerySet.delete(self)


# Fields whose change leaves a pathway's worklist state as it was (the optimistic version bump).
STATE_NEUTRAL_FIELDS = {"version", "updated_at"}


class PathwayQuerySet(PathwayQueueMixin, models.QuerySet):
    def update(self, **kwargs):
        """An UPDATE sends no save signal: refresh the stored worklist state (pathway.core.state) of
        the pathways it changed, in the same transaction, unless only the version moved."""
        if set(kwargs) <= STATE_NEUTRAL_FIELDS:
            return super().update(**kwargs)
        ids = list(self.values_list("pk", flat=True))
        count = super().update(**kwargs)
        state.refresh(ids)
        return count

    def open(self):
        return self.filter(status="open")

    def closed(self):
        return self.filter(status="closed")

    def at_stage(self, stage: str):
        return self.open().filter(current_stage=stage)

    def with_patient(self):
        return self.select_related("patient", "responsible_consultant")

    def delete(self):
        return NoHardDeleteQuerySet.delete(self)

"""The dashboard's stored snapshot (dashboard.snapshot): its figures, computed by
`manage.py refresh_dashboard` (or after writes), served as stored with "as of hh:mm"."""

from django.db import models


class DashboardSnapshot(models.Model):
    """The figures of one cohort (the unfiltered one: key "all"), pickled as metrics.Dashboard.

    Not clinical data: derived, replaced whole on each refresh, never edited."""

    key = models.CharField(max_length=64, unique=True)
    computed_at = models.DateTimeField()
    seconds = models.FloatField(help_text="How long the figures took to compute.")
    figures = models.BinaryField()

    def __str__(self) -> str:
        return f"Dashboard snapshot {self.key} as of {self.computed_at:%Y-%m-%d %H:%M}"

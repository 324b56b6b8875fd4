"""The consent facts the pathway asks for (pathway.core.providers.ConsentFacts), answered from the
consent records. Registered when Django starts (consent.apps.ConsentConfig.ready)."""

from __future__ import annotations

from consent import gates, selectors
from consent.models import Risk


class ConsentRecordFacts:
    def current_consent(self, pathway):
        return selectors.current_consent(pathway)

    def consented_levels(self, pathway) -> list[str]:
        return selectors.consented_levels(pathway=pathway)

    def readiness_items(self, pathway):
        return gates.consent_items(pathway)

    def risk_on_consent(self, pathway, risk_code: str) -> bool | None:
        return selectors.risk_on_consent(pathway=pathway, risk_code=risk_code)

    def complication_risks(self):
        return Risk.objects.active().with_current_version()

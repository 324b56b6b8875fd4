from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Consent"

    def ready(self):
        # The pathway sits below consent and may not import it: it asks pathway.core.providers,
        # and this app answers (docs/architecture.md).
        from consent.facts import ConsentRecordFacts
        from pathway.core import providers

        providers.register_consent(ConsentRecordFacts())

        from consent.documents import consent_documents

        providers.register_documents(consent_documents)

        from consent.state import fill_consent_state
        from pathway.core import state

        state.register_provider(fill_consent_state)

from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = "Interoperability (FHIR)"

    def ready(self):
        # The discharge lives in pathway, below this app: the GP letter is made at the discharge by a
        # handler registered here (pathway.core.providers), the way consent registers its facts.
        from interop import gp_letter
        from interop.documents import interop_documents
        from pathway.core import providers

        providers.register_discharge_handler(gp_letter.store_at_discharge)
        providers.register_documents(interop_documents)

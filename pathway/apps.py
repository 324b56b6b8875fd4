from django.apps import AppConfig


class PathwayConfig(AppConfig):
    name = "pathway"
    verbose_name = "Vertebroplasty pathway"
    def ready(self):
        # The documents of the pathway page: this app's own; consent and interop register theirs.
        from pathway.core import providers
        from pathway.documents import pathway_documents

        providers.register_documents(pathway_documents)
        # Cached page parts are dropped by the writes that change them (pathway.core.page_cache).
        from pathway.core import page_cache

        page_cache.connect()

from django.apps import AppConfig


class PathwayConfig(AppConfig):
    name = "pathway"
    verbose_name = "Vertebroplasty pathway"

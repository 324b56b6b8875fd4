from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for training and trials: seed_demo and every line of demo data. No clinical app
    imports it; it sits above pathway and consent (docs/architecture.md)."""

    name = "demo"
    verbose_name = "Demo data"

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Worklists and dashboard"

    def ready(self):
        # Writes tell the dashboard what they changed (pathway.core.state), so it invalidates only the
        # worklist counts and the snapshot concerned (dashboard.invalidation).
        from dashboard.invalidation import shown_changed, state_changed
        from pathway.core import state

        state.on_refresh(state_changed)
        state.on_shown_change(shown_changed)

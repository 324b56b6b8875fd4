from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        # Signal receivers: the lockout log line, and the session clock started at sign-in.
        from accounts import lockout, middleware  # noqa: F401

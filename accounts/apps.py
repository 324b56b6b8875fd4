from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        # Signal receivers: the lockout log line, and the session clock started at sign-in.
        from accounts import backends, lockout, middleware  # noqa: F401

        # A change of roles or permissions replaces the cached permission sets (accounts.backends).
        backends.connect()

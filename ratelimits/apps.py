from django.apps import AppConfig


class RatelimitsConfig(AppConfig):
    name = "ratelimits"
    verbose_name = "Rate limits"

    def ready(self):
        from ratelimits import checks  # noqa: F401  (registers the policy check)

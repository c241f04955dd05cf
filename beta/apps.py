from django.apps import AppConfig


class BetaConfig(AppConfig):
    name = "beta"

from django.apps import AppConfig


class SearchHistoryConfig(AppConfig):
    name = "search_history"
    default_auto_field = "django.db.models.BigAutoField"

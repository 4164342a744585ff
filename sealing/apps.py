from django.apps import AppConfig


class SealingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sealing"
    verbose_name = "学年封存"

from django.apps import AppConfig


class CreditsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "credits"
    verbose_name = "学分规则与登记"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_ensure_this_year, dispatch_uid="credits.ensure_this_year")


def _ensure_this_year(sender, **kwargs):
    """Sign-in writes anyway (last_login, the session): the current 学年 is created then, so the
    pages that follow only read it."""
    from django.utils import timezone

    from .services import academic_year_ensure

    academic_year_ensure(timezone.localdate())

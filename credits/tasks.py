"""Nightly: the current 学年 exists before anyone needs it (pages only read it)."""

from celery import shared_task


@shared_task(name="credits.academic_years_ensure")
def academic_years_ensure() -> int:
    from django.utils import timezone

    from .services import academic_year_ensure

    return academic_year_ensure(timezone.localdate()).start_year

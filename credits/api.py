"""The catalogue and the teachers' yearly totals over the API (DRF): read-only."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import get_teacher_for_user_or_404
from core.api import ID_PATTERN, REFUSALS

from .models import AcademicYear, CreditItem
from .selectors import catalogue_for, teacher_year_totals
from .serializers import CreditItemSerializer, YearTotalsSerializer


@extend_schema_view(
    list=extend_schema(summary="学分项目目录（《办法》）", parameters=[
        OpenApiParameter("academic_year", int, description="学年起始年：返回该学年适用的版本")]),
    retrieve=extend_schema(summary="学分项目"),
)
class CreditItemViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_PATTERN
    serializer_class = CreditItemSerializer
    filter_backends: list = []

    def get_queryset(self):
        raw = self.request.query_params.get("academic_year", "") if self.action == "list" else ""
        if raw.isascii() and raw.isdigit() and len(raw) == 4:
            ids = [i.pk for i in catalogue_for(int(raw))]
            return CreditItem.objects.filter(pk__in=ids).order_by("category", "order", "code")
        return CreditItem.objects.order_by("category", "order", "code", "-valid_from")


def _totals_payload(teacher, start_year: int) -> dict:
    totals = teacher_year_totals(teacher=teacher, academic_year=start_year)
    return {
        "teacher": teacher.pk, "academic_year": start_year, "regulated": totals.regulated,
        "flexible": totals.flexible, "total": totals.total, "unconfirmed": totals.unconfirmed,
        "by_kind": dict(totals.by_kind),
        "by_item": {code: {"raw": t.raw, "credited": t.credited, "over_cap": t.over_cap, "unconfirmed": t.unconfirmed}
                    for code, t in totals.by_item.items()},
    }


def _start_year_param(request) -> int:
    raw = request.query_params.get("academic_year", "")
    if raw.isascii() and raw.isdigit() and len(raw) == 4:
        return int(raw)
    return AcademicYear.start_year_for(timezone.localdate())


YEAR_PARAM = OpenApiParameter("academic_year", int, description="学年起始年（默认当前学年）")


class TeacherTotalsView(APIView):
    @extend_schema(summary="教师学年学分合计（规范性、灵活性、按子项目、按项目，含上限核减）",
                   parameters=[YEAR_PARAM, OpenApiParameter("teacher_id", int, OpenApiParameter.PATH)], responses={200: YearTotalsSerializer, 404: REFUSALS[404]})
    def get(self, request, teacher_id: int):
        teacher = get_teacher_for_user_or_404(request.user, teacher_id)
        return Response(YearTotalsSerializer(_totals_payload(teacher, _start_year_param(request))).data)


class MyTotalsView(APIView):
    @extend_schema(summary="本人学年学分合计", parameters=[YEAR_PARAM],
                   responses={200: YearTotalsSerializer, 404: REFUSALS[404]})
    def get(self, request):
        teacher = getattr(request.user, "teacher_profile", None)
        if teacher is None:
            raise Http404("您没有教师账号。")
        return Response(YearTotalsSerializer(_totals_payload(teacher, _start_year_param(request))).data)

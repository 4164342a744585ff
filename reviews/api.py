"""REST API (DRF). Thin: scope from the selectors, writes through the services; refusals
(core.errors.DomainError, e.g. TransitionError) are answered by the one API handler
(core.handlers.api_exception_handler) with their Chinese message and a status by kind."""


from django.conf import settings
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.access import get_teacher_for_user_or_404
from accounts.models import District, School
from core.api import ID_PATTERN, REFUSALS, responses
from credits.models import AcademicYear, CreditItem, EntryStatus

from . import selectors, services
from . import serializers as s
from . import workflow as wf
from .errors import TransitionError
from .pagination import EntryPagination


def _year(start_year: int) -> AcademicYear:
    year = AcademicYear.objects.filter(start_year=start_year).first()
    if year is None:
        raise TransitionError(f"没有 {start_year}-{start_year + 1} 学年。")
    return year


@extend_schema_view(
    list=extend_schema(summary="学分登记列表（管理范围内）", parameters=[
        OpenApiParameter("status", str, description="状态"),
        OpenApiParameter("academic_year", int, description="学年起始年，如 2017"),
    ]),
    retrieve=extend_schema(summary="学分登记详情（含审核记录、证明材料、可办理操作）"),
)
class EntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_PATTERN
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = s.EntrySerializer
    filter_backends: list = []
    pagination_class = EntryPagination

    def get_queryset(self):
        entries = selectors.entries_to_list_for_user if self.action == "list" else selectors.entries_for_user
        qs = entries(self.request.user).order_by("-started_on", "-id")
        if self.action == "list":
            # The version of each row in the same query (0 before any transition), not one query a row.
            qs = qs.annotate(version=Coalesce(selectors.version_subquery(), 0))
            status_ = self.request.query_params.get("status", "")
            if status_ in EntryStatus.values:
                qs = qs.filter(status=status_)
            year = self.request.query_params.get("academic_year", "")
            if year.isascii() and year.isdigit() and len(year) == 4:
                qs = qs.filter(academic_year__start_year=int(year))
        return qs.prefetch_related("evidence") if self.action == "retrieve" else qs

    def get_serializer_class(self):
        return s.EntryDetailSerializer if self.action == "retrieve" else s.EntrySerializer

    def _detail(self, entry, code=status.HTTP_200_OK):
        entry = self.get_queryset().get(pk=entry.pk)
        return Response(s.EntryDetailSerializer(entry, context={"request": self.request}).data, status=code)

    def _act(self, fn):
        return self._detail(fn())

    @extend_schema(summary="申报 / 自主登记 / 校管理员代为登记", request=s.EntryCreateSerializer,
                   responses={**REFUSALS, 201: s.EntryDetailSerializer})
    def create(self, request):
        data = s.EntryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        item = CreditItem.objects.filter(code=v["item"]).order_by("-valid_from").first()
        if item is None:
            raise TransitionError(f"没有代码为「{v['item']}」的学分项目。")
        common = {"item": item, "title": v["title"], "started_on": v["started_on"], "ended_on": v["ended_on"],
                      "quantity": v["quantity"], "option": v["option"], "organizer": v["organizer"],
                      "certificate_no": v["certificate_no"], "evidence_files": v["evidence"]}
        if v.get("teacher"):
            # Out of scope answers like a missing id: a teacher's existence is not disclosed.
            teacher = get_teacher_for_user_or_404(request.user, v["teacher"])
            entry = services.entry_admin_register(actor=request.user, teacher=teacher, **common)
        else:
            entry = services.entry_declare(teacher_user=request.user, **common)
        return self._detail(entry, status.HTTP_201_CREATED)

    def _step(self, request, step: str):
        """A review step's action: the request body the step's row allows, one decision. The entry
        first: one outside the scope is 404 whatever the body."""
        entry = self.get_object()
        v = self._valid(s.step_serializer(wf.STEPS[step]))
        decision = wf.APPROVE if v.pop("approve", True) else wf.REJECT
        return self._act(lambda: services.entry_review(actor=request.user, entry=entry, step=step,
                                                       decision=decision, **v))

    @extend_schema(summary="校管理员初审（可核减数量或核定较低等级并说明理由）",
                   request=s.step_serializer(wf.STEPS[wf.SCHOOL_REVIEW]), responses=responses(s.EntryDetailSerializer))
    @action(detail=True, methods=["post"], url_path=wf.STEPS[wf.SCHOOL_REVIEW].api_path)
    def school_review(self, request, pk=None):
        return self._step(request, wf.SCHOOL_REVIEW)

    @extend_schema(summary="分管校长签字确认", request=s.step_serializer(wf.STEPS[wf.LEADER_SIGN]),
                   responses=responses(s.EntryDetailSerializer))
    @action(detail=True, methods=["post"], url_path=wf.STEPS[wf.LEADER_SIGN].api_path)
    def leader_sign(self, request, pk=None):
        return self._step(request, wf.LEADER_SIGN)

    @extend_schema(summary="区县复核（市直属学校由市教科院办理）", request=s.step_serializer(wf.STEPS[wf.DISTRICT_REVIEW]),
                   responses=responses(s.EntryDetailSerializer))
    @action(detail=True, methods=["post"], url_path=wf.STEPS[wf.DISTRICT_REVIEW].api_path)
    def district_review(self, request, pk=None):
        return self._step(request, wf.DISTRICT_REVIEW)

    @extend_schema(summary="继教网确认登记（市教科院）", request=s.step_serializer(wf.STEPS[wf.CONFIRM]),
                   responses=responses(s.EntryDetailSerializer))
    @action(detail=True, methods=["post"], url_path=wf.STEPS[wf.CONFIRM].api_path)
    def confirm(self, request, pk=None):
        return self._step(request, wf.CONFIRM)

    @extend_schema(summary="退回修改", request=s.CommentSerializer, responses=responses(s.EntryDetailSerializer))
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        entry = self.get_object()
        v = self._valid(s.CommentSerializer)
        return self._act(lambda: services.entry_return(actor=request.user, entry=entry, **v))

    @extend_schema(summary="撤回（审核前）", request=s.EmptySerializer, responses=responses(s.EntryDetailSerializer))
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(lambda: services.entry_withdraw(actor=request.user, entry=self.get_object()))

    @extend_schema(summary="修改后重新提交", request=s.EntryResubmitSerializer,
                   responses=responses(s.EntryDetailSerializer))
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        entry = self.get_object()  # as in _step: one outside the scope is 404 whatever the body
        v = dict(self._valid(s.EntryResubmitSerializer))
        files = v.pop("evidence", [])
        if files:
            v["evidence_files"] = files
        return self._act(lambda: services.entry_resubmit(actor=request.user, entry=entry, **v))

    @extend_schema(summary="上传证明材料", request={"multipart/form-data": s.EvidenceUploadSerializer},
                   responses=responses(s.EntryDetailSerializer))
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def evidence(self, request, pk=None):
        entry = self.get_object()  # as in _step: one outside the scope is 404 whatever the body
        v = self._valid(s.EvidenceUploadSerializer)
        return self._act(lambda: services.evidence_attach(actor=request.user, entry=entry,
                                                          files=v["files"]) and self.get_object())

    @extend_schema(summary="审核记录", responses={200: s.TransitionSerializer(many=True), 404: REFUSALS[404]})
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        return Response(s.TransitionSerializer(selectors.entry_history(self.get_object()), many=True).data)

    @extend_schema(summary="批量通过（每条独立，逐条返回结果；大批量转为后台任务）", request=s.BulkReviewSerializer,
                   responses={200: s.BulkResponseSerializer, 202: s.BulkResponseSerializer, 400: REFUSALS[400]})
    @action(detail=False, methods=["post"], url_path="bulk-review")
    def bulk_review(self, request):
        v = self._valid(s.BulkReviewSerializer)
        if len(v["entry_ids"]) > services.BULK_JOB_THRESHOLD:
            job = services.entries_bulk_review_start(actor=request.user, entry_ids=v["entry_ids"], step=v["step"],
                                                     versions=v.get("versions"))
            return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)
        results = services.entries_bulk_review(actor=request.user, entry_ids=v["entry_ids"], step=v["step"],
                                               versions=v.get("versions"))
        return Response({"results": [r.__dict__ for r in results]})

    def _valid(self, serializer_class) -> dict:
        _require_versions(serializer_class, self.request.data)
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        if "version" in v:
            # The version the reviewer saw: the service refuses (409) if the entry changed since.
            v["seen_version"] = v.pop("version")
        return v


VERSION_MISSING = ("审核操作须带上您看到的记录版本（version，见记录详情或列表），以免对已变化的内容作出决定；"
                   "本次操作未保存。")


def _require_versions(serializer_class, data) -> None:
    """The version the reviewer saw is required on every review action (issue 9): a request
    without it is refused before anything is read or written, with a Chinese message."""
    fields = serializer_class().fields
    if "version" in fields and (not hasattr(data, "get") or data.get("version") in (None, "")):
        raise TransitionError(VERSION_MISSING, field="version")
    if "versions" in fields and hasattr(data, "get"):
        versions, ids = data.get("versions"), data.get("entry_ids")
        if not isinstance(versions, dict):
            raise TransitionError("批量通过须带上每条记录您看到的版本（versions：{记录id: version}）；本次操作未保存。",
                                  field="versions")
        if isinstance(ids, list):
            missing = [str(i) for i in ids if str(i) not in {str(k) for k in versions}]
            if missing:
                shown = "、".join(f"#{i}" for i in missing[:10]) + ("等" if len(missing) > 10 else "")
                raise TransitionError(f"批量通过须为每条记录带上您看到的版本，缺少：{shown}；本次操作未保存。",
                                      field="versions")


class EvidenceViewSet(viewsets.GenericViewSet):
    """Proof files: only the teacher and the reviewers in scope can fetch them (404 otherwise)."""

    lookup_value_regex = ID_PATTERN

    serializer_class = s.EvidenceSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.evidence_for_user(self.request.user)

    @extend_schema(summary="下载证明材料", responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                                                   404: REFUSALS[404]})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        evidence = self.get_object()
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError:
            raise Http404("文件不存在。") from None
        response = FileResponse(handle, as_attachment=True, filename=evidence.original_name,
                                content_type=evidence.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response


@extend_schema_view(
    list=extend_schema(summary="基地校花名册列表"),
    retrieve=extend_schema(summary="花名册详情（含逐行匹配结果）"),
)
class RosterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_PATTERN
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.rosters_for_user(self.request.user).order_by("-submitted_at", "-id")

    def get_serializer_class(self):
        return s.RosterDetailSerializer if self.action == "retrieve" else s.RosterSerializer

    def _detail(self, roster, code=status.HTTP_200_OK):
        roster = self.get_queryset().get(pk=roster.pk)
        return Response(s.RosterDetailSerializer(roster).data, status=code)

    @extend_schema(summary="报送花名册（培训计划、培训总结、附件1花名册）",
                   request={"multipart/form-data": s.RosterUploadSerializer},
                   responses={**REFUSALS, 201: s.RosterDetailSerializer})
    def create(self, request):
        data = s.RosterUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        school = School.objects.filter(pk=v["school"]).first()
        if school is None:
            raise TransitionError("没有该学校。")
        roster = services.roster_submit(actor=request.user, school=school, academic_year=_year(v["academic_year"]),
                                        plan_file=v["plan_file"], summary_file=v["summary_file"],
                                        roster_file=v["roster_file"])
        return self._detail(roster, status.HTTP_201_CREATED)

    @extend_schema(summary="区县审核（市直属基地校由市教科院审核）", request=s.RosterReviewSerializer,
                   responses=responses(s.RosterDetailSerializer))
    @action(detail=True, methods=["post"], url_path="district-review")
    def district_review(self, request, pk=None):
        return self._review(services.roster_district_review)

    @extend_schema(summary="市教科院复审（市级基地校）", request=s.RosterReviewSerializer,
                   responses=responses(s.RosterDetailSerializer))
    @action(detail=True, methods=["post"], url_path="city-review")
    def city_review(self, request, pk=None):
        return self._review(services.roster_city_review)

    def _review(self, fn):
        data = s.RosterReviewSerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        return self._detail(fn(actor=self.request.user, roster=self.get_object(), **data.validated_data))

    @extend_schema(summary="下载附件1花名册模板（Excel）",
                   parameters=[OpenApiParameter("academic_year", int, description="学年起始年")],
                   responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                              OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def template(self, request):
        raw = request.query_params.get("academic_year", "")
        year = AcademicYear.objects.filter(start_year=int(raw)).first() if raw.isascii() and raw.isdigit() and len(raw) == 4 else None
        response = HttpResponse(
            services.roster_template_workbook(year),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = "attachment; filename*=UTF-8''roster-template.xlsx"
        return response


class ImportThrottle(ScopedRateThrottle):
    """Throttles only the import calls, not the listing of past imports."""

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)


@extend_schema_view(
    list=extend_schema(summary="系统数据导入记录"),
    retrieve=extend_schema(summary="导入记录详情（含逐行错误）"),
)
class FeedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """微师培、成都数字学校、视频课程、读书笔记、自学反思、党员e家、签到培训的数据接口。"""

    lookup_value_regex = ID_PATTERN

    serializer_class = s.FeedImportSerializer
    throttle_classes = [ImportThrottle]
    throttle_scope = "imports"
    parser_classes = [JSONParser, MultiPartParser]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.feed_imports_for_user(self.request.user).order_by("-created_at", "-id")

    @extend_schema(summary="导入记录（接口调用，按外部编号幂等）", request=s.FeedRecordsSerializer,
                   responses={**REFUSALS, 201: s.FeedImportSerializer})
    def create(self, request):
        data = s.FeedRecordsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        feed = services.feed_import_records(actor=request.user, channel=v["channel"], item_code=v["item_code"],
                                            records=v["records"], via="api")
        return Response(s.FeedImportSerializer(feed).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="导入文件（CSV 或 Excel，按外部编号幂等）", request={"multipart/form-data": s.FeedFileSerializer},
                   responses={**REFUSALS, 201: s.FeedImportSerializer})
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser])
    def upload(self, request):
        data = s.FeedFileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v["file"].size > settings.FEED_SYNC_MAX_BYTES:
            # Large: parsed and imported by a job (progress at /jobs/<id>/), not inside this request.
            job = services.feed_import_file_start(actor=request.user, channel=v["channel"],
                                                  item_code=v["item_code"], file=v["file"])
            job.refresh_from_db()
            if job.status == job.Status.FAILED:
                return Response({"detail": job.error, "job": job.pk}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
            return Response({"job": job.pk, "status": job.status}, status=status.HTTP_202_ACCEPTED)
        feed = services.feed_import_file(actor=request.user, channel=v["channel"], item_code=v["item_code"],
                                         file=v["file"])
        return Response(s.FeedImportSerializer(feed).data, status=status.HTTP_201_CREATED)


class WindowExtensionView(APIView):
    @extend_schema(summary="延长时间段（市教科院，须填写理由）", request=s.WindowExtendSerializer,
                   responses={**REFUSALS, 201: s.WindowExtensionSerializer})
    def post(self, request):
        data = s.WindowExtendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        district = get_object_or_404(District, pk=v["district"]) if v["district"] else None
        school = get_object_or_404(School, pk=v["school"]) if v["school"] else None
        extension = services.window_extend(actor=request.user, academic_year=_year(v["academic_year"]),
                                           window=v["window"], until=v["until"], opens=v["opens"],
                                           reason=v["reason"], district=district, school=school)
        return Response(s.WindowExtensionSerializer(extension).data, status=status.HTTP_201_CREATED)



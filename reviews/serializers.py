"""API serializers: shapes only. Validation of the workflow lives in the services."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from credits.models import CreditEntry

from .models import EntryTransition, Evidence, FeedChannel, FeedImport, Roster, RosterRow, Window
from .workflow import BULK_STEPS, STEPS


class TransitionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default="")
    changes = serializers.JSONField(read_only=True)

    class Meta:
        model = EntryTransition
        fields = ["id", "action", "actor", "role", "at", "from_state", "to_state", "changes", "comment"]


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "original_name", "content_type", "size", "uploaded_at", "reviewed_at"]


class EntrySerializer(serializers.ModelSerializer):
    teacher_name = serializers.CharField(source="teacher.name", read_only=True)
    school_name = serializers.CharField(source="school.name", read_only=True)
    academic_year = serializers.IntegerField(source="academic_year.start_year", read_only=True)
    item_code = serializers.CharField(source="item.code", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    version = serializers.SerializerMethodField(help_text="记录版本：审核操作须带上看到的版本。")

    class Meta:
        model = CreditEntry
        fields = ["id", "version", "teacher", "teacher_name", "school", "school_name", "academic_year", "item",
                  "item_code", "item_name", "option", "title", "organizer", "certificate_no", "started_on", "ended_on",
                  "quantity_claimed",
                  "quantity_approved", "credits", "status", "status_display", "source", "last_comment",
                  "created_at", "updated_at"]
        read_only_fields = fields


    def get_version(self, entry) -> int:
        annotated = getattr(entry, "version", None)
        if annotated is not None:
            return annotated
        from .services import entry_version

        return entry_version(entry)


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="same_file 同一证明材料 / same_certificate 同一证书编号")
    message = serializers.CharField()
    other_id = serializers.IntegerField(help_text="另一位教师的登记编号")


class EntryDetailSerializer(EntrySerializer):
    history = serializers.SerializerMethodField()
    evidence = EvidenceSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField(
        help_text="重复提示（只给审核人）：非空时，通过须带 acknowledge_warnings=true 和 warnings_reason。")

    class Meta(EntrySerializer.Meta):
        fields = EntrySerializer.Meta.fields + ["history", "evidence", "actions", "warnings"]
        read_only_fields = fields

    @extend_schema_field(WarningSerializer(many=True))
    def get_warnings(self, entry):
        from .services import available_steps
        from .services.duplicates import entry_warnings

        reviewing = available_steps(self.context["request"].user, entry) & set(STEPS)
        if not reviewing:
            return []
        return [{"code": w.code, "message": w.message, "other_id": w.other_id} for w in entry_warnings(entry)]

    @extend_schema_field(TransitionSerializer(many=True))
    def get_history(self, entry):
        from .selectors import entry_history

        return TransitionSerializer(entry_history(entry), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, entry) -> list[str]:
        from .services import available_steps

        return sorted(available_steps(self.context["request"].user, entry))


class EntryCreateSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=40, help_text="项目代码（见 /api/items/）。")
    teacher = serializers.IntegerField(required=False, min_value=1,
                                       help_text="校管理员代为登记时的教师编号；教师本人申报时不填。")
    title = serializers.CharField(max_length=200)
    organizer = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    started_on = serializers.DateField()
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)
    quantity = serializers.DecimalField(max_digits=7, decimal_places=1, required=False, allow_null=True,
                                        min_value=0, default=None)
    option = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    certificate_no = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                           help_text="证书编号（以证书为依据的项目必填，同一证书只计一次）。")
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                     help_text="证明材料（PDF、JPG、PNG）。")


class EntryResubmitSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    organizer = serializers.CharField(max_length=100, required=False, allow_blank=True)
    started_on = serializers.DateField(required=False)
    ended_on = serializers.DateField(required=False, allow_null=True)
    quantity = serializers.DecimalField(max_digits=7, decimal_places=1, required=False, min_value=0)
    option = serializers.CharField(max_length=40, required=False, allow_blank=True)
    certificate_no = serializers.CharField(max_length=64, required=False, allow_blank=True)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class SeenVersionSerializer(serializers.Serializer):
    """What every review action carries: the entry's `version` the reviewer saw (from the entry's
    detail or list). Required: without it the answer is 400 and nothing is written; if the entry
    changed since, nothing is written and the answer is 409 with what changed."""

    version = serializers.IntegerField(min_value=0, max_value=2**62,
                                       help_text="必填：审核人看到的记录版本（记录详情或列表中的 version）。")


class AcknowledgeSerializer(SeenVersionSerializer):
    """An approval of an entry with duplicate warnings (the detail's `warnings`: another teacher's
    entry with the same proof file or certificate number) must acknowledge them with a reason;
    without it the answer is 400 and nothing is written."""

    acknowledge_warnings = serializers.BooleanField(
        default=False, help_text="已核对重复提示：记录详情的 warnings 非空时，通过须为 true。")
    warnings_reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="",
        help_text="核对理由（acknowledge_warnings 为 true 时必填，记入审核记录）。")


class ConfirmSerializer(AcknowledgeSerializer):
    pass


class ReviewSerializer(AcknowledgeSerializer):
    approve = serializers.BooleanField(default=True)
    quantity_approved = serializers.DecimalField(max_digits=7, decimal_places=1, required=False, allow_null=True,
                                                 min_value=0, default=None)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SchoolReviewSerializer(ReviewSerializer):
    option = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                   help_text="按等级计分的项目：核定的等级（只能低于申报等级，须填写理由）。")


class SignSerializer(AcknowledgeSerializer):
    approve = serializers.BooleanField(default=True)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


def step_serializer(row):
    """The request body of a review step's API action, from what the workflow's row allows:
    a lower 等级 (初审), fewer 学时 (核减), a rejection, or only the version seen (and the
    acknowledgement of duplicate warnings, which every approval may need)."""
    if row.lower_option:
        return SchoolReviewSerializer
    if row.approve_fewer:
        return ReviewSerializer
    return SignSerializer if row.may_reject else ConfirmSerializer


class CommentSerializer(SeenVersionSerializer):
    comment = serializers.CharField(max_length=500)


class EmptySerializer(serializers.Serializer):
    pass


class EvidenceUploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=10)


class BulkReviewSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=list(BULK_STEPS))
    entry_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62), min_length=1,
                                      max_length=5000)
    versions = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=2**62),
                                     help_text="必填：{记录id: 审核人看到的版本}，每条记录都要有；记录在此之后有变化的不予通过。")


class BulkResultSerializer(serializers.Serializer):
    entry_id = serializers.IntegerField()
    ok = serializers.BooleanField()
    message = serializers.CharField()
    status = serializers.CharField()


class BulkResponseSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True, required=False)
    job = serializers.IntegerField(required=False, help_text="大批量时的后台任务编号（/jobs/<编号>/ 查看进度）。")


class RosterRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = RosterRow
        fields = ["id", "line", "seq", "school_name", "username", "name", "subject", "stage", "hours", "credits",
                  "teacher", "error", "entry"]


class RosterSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    # A plain string: an enum named "status" would collide with the entries' status enum.
    status = serializers.CharField(read_only=True, help_text="submitted 待区县审核 / district_approved 待市教科院复审 / "
                                                             "approved 已认定 / rejected 未通过")
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    academic_year = serializers.IntegerField(source="academic_year.start_year", read_only=True)

    class Meta:
        model = Roster
        fields = ["id", "school", "school_name", "academic_year", "level", "item", "status", "status_display",
                  "submitted_at",
                  "district_reviewed_at", "city_reviewed_at", "comment", "row_count", "error_count"]
        read_only_fields = fields


class RosterDetailSerializer(RosterSerializer):
    rows = RosterRowSerializer(many=True, read_only=True)

    class Meta(RosterSerializer.Meta):
        fields = RosterSerializer.Meta.fields + ["rows"]
        read_only_fields = fields


class RosterUploadSerializer(serializers.Serializer):
    school = serializers.IntegerField(min_value=1)
    academic_year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="学年起始年，如 2017。")
    plan_file = serializers.FileField()
    summary_file = serializers.FileField()
    roster_file = serializers.FileField(help_text="附件1 花名册（.xlsx）。")


class RosterReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField(default=True)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class FeedRecordSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=60)
    username = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    date = serializers.DateField()
    quantity = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=0)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    item_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class FeedRecordsSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=FeedChannel.choices)
    item_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    records = FeedRecordSerializer(many=True, max_length=20000)


class FeedFileSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=FeedChannel.choices)
    item_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    file = serializers.FileField(help_text="CSV（UTF-8）或 Excel（.xlsx）。")


class FeedImportSerializer(serializers.ModelSerializer):
    errors = serializers.JSONField(read_only=True)

    class Meta:
        model = FeedImport
        fields = ["id", "channel", "item_code", "via", "filename", "created_at", "total_count", "created_count",
                  "skipped_count", "error_count", "errors"]
        read_only_fields = fields


class WindowExtendSerializer(serializers.Serializer):
    academic_year = serializers.IntegerField(min_value=2000, max_value=2100)
    window = serializers.ChoiceField(choices=Window.choices)
    until = serializers.DateField(required=False, allow_null=True, default=None)
    opens = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=300)
    district = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    school = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class WindowExtensionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    academic_year = serializers.IntegerField(source="academic_year.start_year")
    window = serializers.CharField()
    district = serializers.IntegerField(source="district_id", allow_null=True)
    school = serializers.IntegerField(source="school_id", allow_null=True)
    opens = serializers.DateField(allow_null=True)
    until = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


@extend_schema_field(OpenApiTypes.BINARY)
class BinaryField(serializers.Field):
    pass

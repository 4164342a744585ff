"""The object dimension of the access matrix: for every route whose path names an object, which
object it names, how to make one, and who may reach it in which scope — stated from the
organisation (../shared/DESIGN.md), not read from accounts.access, so the matrix checks the code
against the rules instead of against itself:

- 教师: their own objects; 校管理员 / 分管校长: their school's; 基地校管理员: their school's rosters;
- 区县管理员: the schools of their district; 市教科院: the whole city, and the district's part
  (approvals, certificates, account keeping) only for the 市直属学校, which have no district.

A route with an object argument and no row in OBJECTS (nor in NOT_OBJECTS, with the reason)
fails tests/accounts/test_route_matrix.py: a new URL needs its row here.
"""

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import AccountStatus, BaseLevel, Job, Notification, ProfileChangeRequest, Role
from audits.models import HandInStatus, SchoolHandIn
from certificates.models import Certificate, CertificateTemplate, TitleApplication
from certificates.services.issue import issuer_for_school
from reports.models import SignedForm2
from reviews.models import Evidence, FeedImport, Roster
from sealing.models import SealRecord
from tests.factories import (
    AcademicYearFactory,
    CreditEntryFactory,
    CreditItemFactory,
    SchoolFactory,
    TeacherProfileFactory,
    UserFactory,
    grant,
)

# Scopes, as the organisation states them. A role acting in OWN reaches its own objects; SCHOOL
# its school's; DISTRICT its district's schools; CITY_DIRECT the 市直属学校 (the city doing the
# district's part); CITY every school; ALL: the object belongs to no school or user (a catalogue
# item, a city-wide seal or feed), so whoever may open the route reaches every one.
OWN, SCHOOL, DISTRICT, CITY_DIRECT, CITY, ALL = "own", "school", "district", "city_direct", "city", "all"

# The scope a role would have if it acted on a route it does not act on: the object tried to show
# that the refusal is the route's, not the object's distance.
NATURAL = {Role.TEACHER: OWN, Role.SCHOOL_ADMIN: SCHOOL, Role.SCHOOL_LEADER: SCHOOL,
           Role.BASE_SCHOOL_ADMIN: SCHOOL, Role.DISTRICT_ADMIN: DISTRICT, Role.CITY_STAFF: CITY}


@dataclass(frozen=True)
class Place:
    """Where an object is made: its school, the teacher it concerns, the user who owns it, and
    whether that is the requesting user themself."""

    school: object
    teacher: object
    user: object
    own: bool = False


class World:
    """Two districts: A with schools A (a 区级基地校, where every role user sits) and A2; B with
    school B; and the 市直属学校 C. One user per role, each holding that role only, at school A
    (district A for the district admin); a second teacher and a second 校管理员 at school A (so
    "own" is tested against a colleague's); a teacher at A2, B and C."""

    def __init__(self):
        self.year = AcademicYearFactory(start_year=2017)
        self.a = SchoolFactory(name="矩阵甲校", base_level=BaseLevel.DISTRICT)
        self.a2 = SchoolFactory(name="矩阵甲二校", district=self.a.district)
        self.b = SchoolFactory(name="矩阵乙校", base_level=BaseLevel.DISTRICT)
        self.c = SchoolFactory(name="矩阵市直属校", district=None, base_level=BaseLevel.CITY)
        self.users = {"anonymous": None}
        self.teacher = self._teacher(self.a, "矩阵老师")
        self.users[Role.TEACHER] = self.teacher.user
        for role in (Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER, Role.BASE_SCHOOL_ADMIN, Role.DISTRICT_ADMIN, Role.CITY_STAFF):
            user = UserFactory(username=f"scope_{role}")
            if role == Role.DISTRICT_ADMIN:
                grant(user, role, district=self.a.district)
            elif role == Role.CITY_STAFF:
                grant(user, role)
            else:
                grant(user, role, school=self.a)
            self.users[role] = user
        self.other_admin = grant(UserFactory(username="scope_other_admin"), Role.SCHOOL_ADMIN, school=self.a)
        self.peers = {s.pk: self._teacher(s, f"{s.name}同事") for s in (self.a, self.a2, self.b, self.c)}

    @staticmethod
    def _teacher(school, name):
        return TeacherProfileFactory(school=school, name=name, status=AccountStatus.APPROVED)

    def _peer(self, school) -> Place:
        teacher = self.peers[school.pk]
        return Place(school, teacher, teacher.user)

    def inside(self, role, scope) -> list[Place]:
        """Places of objects inside `role`'s `scope`: the user's own (OWN); a colleague's at school
        A (SCHOOL); at A and A2 (DISTRICT); at the 市直属学校 (CITY_DIRECT); in district B and at
        the 市直属学校 (CITY, ALL: the city reaches beyond any one district)."""
        user = self.users[role]
        if scope == OWN:
            teacher = getattr(user, "teacher_profile", None)
            return [Place(teacher.school if teacher else self.a, teacher, user, own=True)]
        if scope == SCHOOL:
            return [self._peer(self.a)]
        if scope == DISTRICT:
            return [self._peer(self.a), self._peer(self.a2)]
        if scope == CITY_DIRECT:
            return [self._peer(self.c)]
        return [self._peer(self.b), self._peer(self.c)]

    def outside(self, scope) -> list[Place]:
        """Places of the same kind of object outside `scope`: a colleague's (OWN: owned by the
        other 校管理员 of the same school, concerning another teacher); another school of the
        same district and another district (SCHOOL); another district and the 市直属学校
        (DISTRICT); a district school (CITY_DIRECT); none for CITY and ALL."""
        if scope == OWN:
            return [Place(self.a, self.peers[self.a.pk], self.other_admin)]
        if scope == SCHOOL:
            return [self._peer(self.a2), self._peer(self.b)]
        if scope == DISTRICT:
            return [self._peer(self.b), self._peer(self.c)]
        if scope == CITY_DIRECT:
            return [self._peer(self.a)]
        return []


# --- makers: one object of a kind at a place ---------------------------------------------------


def _stored(name: str, data: bytes = b"%PDF-1.4 matrix") -> str:
    return default_storage.save(name, ContentFile(data))


def _file_fields(name: str, data: bytes = b"%PDF-1.4 matrix") -> dict:
    return {"file": _stored(name, data), "original_name": "matrix.pdf", "content_type": "application/pdf",
            "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _job(kind):
    def make(w, p):
        path = _stored("matrix/job.zip", b"PK")
        return Job.objects.create(kind=kind, owner=p.user, status=Job.Status.DONE,
                                  result={"file": path, "filename": "matrix.zip"})
    return make


def make_notification(w, p):
    return Notification.objects.create(recipient=p.user, title="矩阵通知")


def make_teacher(w, p):
    """The place's teacher: the user's own profile (OWN) or a colleague of the school."""
    return p.teacher


def make_fresh_teacher(w, p, status=AccountStatus.APPROVED):
    """A plain teacher account at the place's school (it holds no admin role, so the school admin
    keeps it), made for the request; the user's own record when the place is their own."""
    if p.own and p.teacher is not None:
        return p.teacher
    return TeacherProfileFactory(school=p.school, status=status)


def make_pending_teacher(w, p):
    return make_fresh_teacher(w, p, status=AccountStatus.PENDING)


def make_change_request(w, p):
    teacher = p.teacher or w.peers[p.school.pk]
    return ProfileChangeRequest.objects.create(profile=teacher, changes={"subject": "数学"},
                                               original={"subject": teacher.subject}, submitted_by=teacher.user)


def make_entry(w, p):
    teacher = p.teacher or w.peers[p.school.pk]
    return CreditEntryFactory(teacher=teacher, academic_year=w.year, item=CreditItemFactory(code="scope_item"))


def make_evidence(w, p):
    entry = make_entry(w, p)
    return Evidence.objects.create(entry=entry, uploaded_by=entry.teacher.user, **_file_fields("evidence/matrix.pdf"))


def make_roster(w, p):
    names = {f: _stored(f"rosters/{f}.pdf") for f in ("plan_file", "summary_file", "roster_file")}
    roster = Roster.objects.create(
        school=p.school, academic_year=w.year, level=p.school.base_level or BaseLevel.DISTRICT,
        item=CreditItemFactory(code="scope_base", kind="school_based", flow="roster"),
        submitted_by=p.user, submitted_at=timezone.now(), row_count=1, **names)
    teacher = w.peers[p.school.pk]
    roster.rows.create(line=2, school_name=p.school.name, username=teacher.user.username, name=teacher.name,
                       hours=Decimal("8"), credits=Decimal("8"), teacher=teacher)
    return roster


def make_signed_form2(w, p):
    teacher = p.teacher or w.peers[p.school.pk]
    return SignedForm2.objects.create(teacher=teacher, academic_year=w.year, school=teacher.school,
                                      uploaded_by=teacher.user, **_file_fields("form2/matrix.pdf"))


def make_application(w, p):
    teacher = p.teacher or w.peers[p.school.pk]
    return TitleApplication.objects.create(teacher=teacher, school=teacher.school, kind="senior", year=2018,
                                           created_by=teacher.user)


def make_certificate(w, p):
    teacher = p.teacher or w.peers[p.school.pk]
    template = CertificateTemplate.objects.first() or CertificateTemplate.objects.create(version=1, html="<p></p>")
    issuer = issuer_for_school(teacher.school)
    n = Certificate.objects.count() + 1
    data = b"%PDF-1.4 certificate"
    return Certificate.objects.create(
        issuer=issuer, year=2018, number=n, serial=f"JJMATRIX-{n:05d}", teacher=teacher, kind="senior",
        teacher_name=teacher.name, school_name=teacher.school.name, years=[2017], totals={}, eligible=True,
        template=template, issued_by=p.user, issued_role=Role.CITY_STAFF, code=f"MATRIX{n:06d}",
        pdf=_stored("certificates/issued/matrix.pdf", data), pdf_sha256=hashlib.sha256(data).hexdigest(),
    )


def make_hand_in(w, p):
    return SchoolHandIn.objects.create(school=p.school, academic_year=w.year, status=HandInStatus.SUBMITTED,
                                       submitted_at=timezone.now(), submitted_by=p.user)


def make_seal(w, p):
    return SealRecord.objects.create(academic_year=w.year, started_by=w.users[Role.CITY_STAFF], started_at=timezone.now())


def make_feed(w, p):
    return FeedImport.objects.create(channel="matrix", item_code="scope_item", via="upload",
                                     imported_by=w.users[Role.CITY_STAFF])


def make_item(w, p):
    return CreditItemFactory(code="scope_catalogue", rate=Decimal("1"), valid_from=2017)


def _teacher_form(w, profile):
    return {"name": "矩阵改名", "gender": "female", "id_number": profile.id_number, "stage": "primary",
            "subject": "数学", "title": "none"}


def _transfer_form(w, profile):
    return {"to_school": (w.a2 if profile.school_id == w.a.pk else w.a).pk, "comment": "矩阵调动"}


def _entry_form(w, entry):
    return {"title": "矩阵改过", "started_on": entry.started_on.isoformat(), "quantity": "4"}


def _hand_in_form(w, record):
    return {"action": "review", "version": record.version, "comment": "矩阵"}


@dataclass(frozen=True)
class Row:
    """What a route's object argument names and who reaches it: {role: scope}. A role missing from
    `actors` reaches no such object (403/404 inside its natural scope as outside it)."""

    make: Callable
    actors: dict = field(default_factory=dict)
    arg: str = "pk"
    why: str = ""
    # A page that shows on GET and acts on POST: the POST that would act (a valid form), sent by
    # every refused role as well, so the refusal is checked where a write would happen.
    body: Callable | None = None
    # The day the route is tried on (tests/conftest.py's clock; its default is inside the 2017-2018
    # registration window): a review's POST acts only inside the review window.
    day: datetime.date | None = None


_T, _SA, _L, _BA, _D, _C = (Role.TEACHER, Role.SCHOOL_ADMIN, Role.SCHOOL_LEADER, Role.BASE_SCHOOL_ADMIN,
                            Role.DISTRICT_ADMIN, Role.CITY_STAFF)
EVERYONE_OWN = dict.fromkeys((_T, _SA, _L, _BA, _D, _C), OWN)
# A teacher's record and what hangs on it (entries, proofs, signed 附件2): the teacher, the
# school's admin and leader, the district, the city. A 基地校 admin keeps rosters, not teachers.
SEES_TEACHER = {_T: OWN, _SA: SCHOOL, _L: SCHOOL, _D: DISTRICT, _C: CITY}
# Account keeping (edit, 停用, 调动, 重置密码): the school admin, and the district step above them
# (the city's only for the 市直属学校). Nobody keeps their own record.
KEEPS_TEACHER = {_SA: SCHOOL, _D: DISTRICT, _C: CITY_DIRECT}
APPROVES = {_D: DISTRICT, _C: CITY_DIRECT}
# Rosters: the 基地校 that submits them, the district that reviews them, the city that reviews a
# 市级基地校's after the district (and sees every one); the district's review of a 市直属 roster is the city's.
ROSTERS = {_BA: SCHOOL, _D: DISTRICT, _C: CITY}
# Title applications and certificates: the school admin marks, the issuing body (the district;
# the city for the 市直属学校) issues; a certificate is also its teacher's and their school admin's.
ISSUES = {_D: DISTRICT, _C: CITY_DIRECT}
CERTIFICATES = {_T: OWN, _SA: SCHOOL, **ISSUES}
HAND_INS = {_SA: SCHOOL, _D: DISTRICT, _C: CITY}

REVIEW_DAY = datetime.date(2018, 9, 15)  # the districts' review window of 2017-2018

OBJECTS: dict[str, Row] = {
    # the site: a user's own job and notification, nobody else's (city staff included)
    "job_status": Row(_job("matrix"), EVERYONE_OWN),
    "notification_read": Row(make_notification, EVERYONE_OWN),
    # accounts
    "accounts:teacher_import_job": Row(_job("teacher_import"), EVERYONE_OWN,
                                       why="an import's report and passwords are its runner's only"),
    "accounts:teacher_import_passwords": Row(_job("teacher_import"), EVERYONE_OWN),
    "accounts:teacher_import_resume": Row(_job("teacher_import"), EVERYONE_OWN),
    "accounts:teacher_detail": Row(make_teacher, SEES_TEACHER),
    "accounts:teacher_edit": Row(make_fresh_teacher, KEEPS_TEACHER, body=_teacher_form),
    "accounts:teacher_deactivate": Row(make_fresh_teacher, KEEPS_TEACHER, body=lambda w, o: {"kind": "离职"}),
    "accounts:teacher_reactivate": Row(make_fresh_teacher, KEEPS_TEACHER),
    "accounts:teacher_transfer": Row(make_fresh_teacher, KEEPS_TEACHER, body=_transfer_form),
    "accounts:teacher_reset_password": Row(make_fresh_teacher, KEEPS_TEACHER),
    "accounts:account_approve": Row(make_pending_teacher, APPROVES),
    "accounts:account_reject": Row(make_pending_teacher, APPROVES, body=lambda w, o: {"reason": "矩阵退回"}),
    # A change request is seen by its teacher (who is told, not refused, that the step is not
    # theirs), the school admin who checks it and the district step that decides it.
    "accounts:change_request_check": Row(make_change_request, {_T: OWN, _SA: SCHOOL, **APPROVES}),
    "accounts:change_request_decide": Row(make_change_request, {_T: OWN, _SA: SCHOOL, **APPROVES}),
    # reviews (pages)
    "reviews:entry_detail": Row(make_entry, SEES_TEACHER),
    "reviews:entry_explain": Row(make_entry, SEES_TEACHER),
    "reviews:entry_review": Row(make_entry, SEES_TEACHER, why="step: the first step of the table"),
    "reviews:entry_withdraw": Row(make_entry, SEES_TEACHER),
    "reviews:entry_edit": Row(make_entry, {_T: OWN}, why="only the submitter corrects an entry", body=_entry_form),
    "reviews:evidence_download": Row(make_evidence, SEES_TEACHER),
    "reviews:roster_detail": Row(make_roster, ROSTERS, body=lambda w, o: {"approve": "1", "comment": "矩阵"},
                                 day=REVIEW_DAY),
    # reports, certificates, audits, sealing
    "reports:form2_scan": Row(make_signed_form2, SEES_TEACHER),
    "reports:package_download": Row(_job("reports_package"), EVERYONE_OWN),
    "reports:export_download": Row(_job("reports_district_submission"), EVERYONE_OWN),
    "reports:archive_download": Row(_job("sealing_archive"), EVERYONE_OWN),
    # The issuing body sees the applications; only the school admin who marked one withdraws it.
    "certificates:application_withdraw": Row(make_application, {_SA: SCHOOL}),
    "certificates:certificate_detail": Row(make_certificate, CERTIFICATES,
                                           body=lambda w, o: {"action": "revoke", "reason": "矩阵撤销"}),
    "certificates:certificate_pdf": Row(make_certificate, CERTIFICATES),
    "audits:hand_in_detail": Row(make_hand_in, HAND_INS, body=_hand_in_form, day=REVIEW_DAY),
    "sealing:progress": Row(make_seal, {_C: ALL}, why="a seal is the city's, of the whole 学年"),
    # the API
    "teacher-totals": Row(make_teacher, SEES_TEACHER, arg="teacher_id"),
    "entry-detail": Row(make_entry, SEES_TEACHER),
    "entry-history": Row(make_entry, SEES_TEACHER),
    "entry-evidence": Row(make_entry, SEES_TEACHER),
    "entry-school-review": Row(make_entry, SEES_TEACHER),
    "entry-leader-sign": Row(make_entry, SEES_TEACHER),
    "entry-district-review": Row(make_entry, SEES_TEACHER),
    "entry-confirm": Row(make_entry, SEES_TEACHER),
    "entry-return-": Row(make_entry, SEES_TEACHER),
    # Withdrawing and resubmitting are the submitter's: the others who see the entry are refused
    # (the page tells them so with a message; the API answers 403).
    "entry-withdraw": Row(make_entry, {_T: OWN}),
    "entry-resubmit": Row(make_entry, {_T: OWN}),
    "evidence-download": Row(make_evidence, SEES_TEACHER),
    "roster-detail": Row(make_roster, ROSTERS),
    "roster-district-review": Row(make_roster, {_D: DISTRICT, _C: CITY_DIRECT}),
    "roster-city-review": Row(make_roster, ROSTERS),
    "feed-detail": Row(make_feed, {_C: ALL}, why="feeds are imported city-wide by city staff"),
    "item-detail": Row(make_item, dict.fromkeys((_T, _SA, _L, _BA, _D, _C), ALL),
                       why="the catalogue is the city's rules, read by everyone signed in"),
}

# Path arguments that name no object in anyone's scope: they keep the route matrix's treatment
# (filled by tests.accounts.routes._arg).
NOT_OBJECTS = {
    "step": "a step of the workflow table (reviews.workflow): the queue is scoped by the role, not by the step",
    "start_year": "a 学年: the teacher's own 学分证明书 of that year, never another's (the route takes no teacher)",
    "code": "a certificate's public verification code: anyone may verify (PUBLIC), a wrong code answers 未找到",
}


def object_args(pattern) -> list[str]:
    return [k for k in pattern.pattern.regex.groupindex if k not in NOT_OBJECTS and k != "format"]

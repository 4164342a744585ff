"""Who may do what with title applications and certificates. Built on ``accounts.access`` (the
one place roles and scopes are decided); every view of this app asks these functions.

- 校管理员 marks the teachers of their school applying this year (and withdraws them);
- 区（市）县管理员 issues certificates for their district's schools, over the 教育局's name;
- 市教科院 issues them for 市直属学校, over the city office's name, and edits the template and seals;
- a teacher reads their own certificates and statements; anyone may verify a code.
"""

from django.db.models import Q, QuerySet

from accounts.access import (
    has_role,
    is_school_admin_of,
    role_assignments,
    school_admin_schools,
    schools_for_role,
)
from accounts.models import Role, School


def can_mark_application(user, teacher) -> bool:
    return is_school_admin_of(user, teacher.school_id)


def issue_schools(user) -> QuerySet[School]:
    """Schools whose certificates `user` issues (三(二)1): a district admin's own district's
    schools; for city staff, the 市直属学校."""
    q = Q(pk__in=[])
    if has_role(user, Role.DISTRICT_ADMIN):
        q |= Q(pk__in=schools_for_role(user, Role.DISTRICT_ADMIN).filter(district__isnull=False).values("pk"))
    if has_role(user, Role.CITY_STAFF):
        q |= Q(district__isnull=True)
    return School.objects.filter(q)


def can_issue_for(user, school) -> bool:
    return issue_schools(user).filter(pk=school.pk).exists()


def application_schools(user) -> QuerySet[School]:
    """Schools whose applications a user sees: the school admin's, and those they issue for."""
    return School.objects.filter(
        Q(pk__in=school_admin_schools(user).values("pk")) | Q(pk__in=issue_schools(user).values("pk"))
    )


def applications_for_user(user):
    from .models import TitleApplication

    if not user or not user.is_authenticated:
        return TitleApplication.objects.none()
    return TitleApplication.objects.filter(school__in=application_schools(user).values("pk"))


def certificates_for_user(user):
    """Certificates a user may see and download: their own, and those of the schools they issue for."""
    from .models import Certificate

    if not user or not user.is_authenticated:
        return Certificate.objects.none()
    return Certificate.objects.filter(
        Q(teacher__user=user) | Q(teacher__school__in=issue_schools(user).values("pk"))
        | Q(teacher__school__in=school_admin_schools(user).values("pk"))
    )


def can_revoke(user, certificate) -> bool:
    """The issuing body revokes and reissues: city staff for the city's certificates, the
    district admin of the issuer's district for the district's."""
    if certificate.issuer.is_city:
        return has_role(user, Role.CITY_STAFF)
    return any(ra.role == Role.DISTRICT_ADMIN and ra.district_id == certificate.issuer.district_id
               for ra in role_assignments(user))


def can_edit_template(user) -> bool:
    return has_role(user, Role.CITY_STAFF)


def acting_role(user, school) -> str:
    """The role in which `user` issues for `school`."""
    return Role.CITY_STAFF if school.district_id is None else Role.DISTRICT_ADMIN

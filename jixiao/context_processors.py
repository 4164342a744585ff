"""Who to call, on every page's footer: the school's 登记员 (from the district's 审证时间安排)
and the office that reviews the school (the district's training institution, or the city's
教师发展研究所 for a 市直属学校). Cached per user for a few minutes: it changes once a year and
would otherwise cost every page two queries."""

from django.core.cache import cache

CACHE_SECONDS = 600


def _contact(user) -> dict:
    from accounts.models import School
    from reviews.models import ReviewAppointment

    school = School.objects.select_related("district").filter(teachers__user=user).first()
    if school is None:
        school = (School.objects.select_related("district").filter(roleassignment__user=user)
                  .order_by("pk").first())
    if school is None:
        return {}
    appointment = (ReviewAppointment.objects.filter(school=school).select_related("academic_year")
                   .order_by("-academic_year__start_year").first())
    return {
        "school": school.name,
        "office": f"{school.district.name}教师培训机构" if school.district_id else "市教科院教师发展研究所",
        "registrar": appointment.registrar if appointment else "",
        "phone": appointment.contact_phone if appointment else "",
        "date": appointment.date if appointment else None,
        "year": appointment.academic_year.label if appointment else "",
    }


def contacts(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    key = f"footer-contact:{user.pk}"
    contact = cache.get(key)
    if contact is None:
        contact = _contact(user)
        cache.set(key, contact, CACHE_SECONDS)
    return {"footer_contact": contact}

"""Pages of the rule catalogue and the preview the entry forms ask for as the teacher types.
Reads come from credits.selectors; access from accounts.access."""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import get_teacher_for_user_or_404, has_role
from accounts.models import Role

from . import selectors
from .models import AcademicYear, Category, CreditItem


def _year_param(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return AcademicYear.start_year_for(timezone.localdate())


def _year_choices(selected: int) -> list[dict]:
    """The 学年 a reader may pick, written as the other pages write them ("2026-2027"): from the
    first year of credits to next year, and the one asked for even if outside that range."""
    from django.conf import settings

    first = settings.CREDITS_CYCLE_START_YEAR
    last = AcademicYear.start_year_for(timezone.localdate()) + 1
    years = sorted(set(range(first, last + 1)) | {selected}, reverse=True)
    return [{"start_year": y, "label": f"{y}-{y + 1}"} for y in years]


def _catalogue_rows(year: int):
    groups = selectors.cap_groups_in(year)
    members: dict[str, list[str]] = {}
    items = selectors.catalogue_for(year)
    for item in items:
        if item.cap_group:
            members.setdefault(item.cap_group, []).append(item.name)
    rows = []
    for item in items:
        group = groups.get(item.cap_group)
        rows.append({"item": item, "group": group, "group_members": members.get(item.cap_group, [])})
    return rows


@login_required
def catalogue(request):
    """Every item of the 《办法》 as it stands in a 学年, with its clause, conversion and caps.
    Values the notice does not give (第14–16条) carry a 待确认 badge."""
    year = _year_param(request)
    rows = _catalogue_rows(year)
    sections = [
        (label, [r for r in rows if r["item"].category == value]) for value, label in Category.choices
    ]
    return render(request, "credits/catalogue.html", {
        "year": year, "year_label": f"{year}-{year + 1}", "sections": sections,
        "year_choices": _year_choices(year),
        "unconfirmed_count": sum(1 for r in rows if r["item"].has_unconfirmed_values),
        "is_city_staff": has_role(request.user, Role.CITY_STAFF),
    })


def unconfirmed_values(year: int) -> list[dict]:
    """Every value still marked 待确认 in the catalogue of `year`: one row per option, or one row
    for the item's own rate."""
    out = []
    for item in selectors.catalogue_for(year, active_only=False):
        if not item.has_unconfirmed_values:
            continue
        if item.options:
            for o in item.options:
                if item.unconfirmed or o.get("unconfirmed"):
                    out.append({"item": item, "key": o["key"], "label": o.get("label", o["key"]),
                                "credits": Decimal(str(o["credits"])), "unit": f"学分/{item.unit_label}"})
        else:
            out.append({"item": item, "key": "", "label": item.conversion_text(), "credits": item.rate,
                        "unit": f"学分/{item.unit_label}"})
    return out


@login_required
def unconfirmed(request):
    """For city staff: the marked defaults of 《办法》第14–16条 (and 二(三)2(17)) still to confirm."""
    if not has_role(request.user, Role.CITY_STAFF):
        raise PermissionDenied("只有市教科院教师发展研究所可以查看待确认的数值。")
    year = _year_param(request)
    rows = unconfirmed_values(year)
    return render(request, "credits/unconfirmed.html", {
        "year": year, "year_label": f"{year}-{year + 1}", "rows": rows,
        "items": sorted({r["item"].pk: r["item"] for r in rows}.values(), key=lambda i: (i.order, i.code)),
    })


def _preview_context(request):
    try:
        item = selectors.item_by_pk(int(request.GET.get("item", "")))
    except (ValueError, CreditItem.DoesNotExist):
        raise Http404("未找到该学分项目。") from None
    try:
        day = datetime.date.fromisoformat(request.GET.get("started_on", ""))
    except ValueError:
        day = timezone.localdate()
    teacher = None
    if request.GET.get("teacher"):
        # A school admin registering for a teacher previews against that teacher's year.
        teacher = get_teacher_for_user_or_404(request.user, request.GET["teacher"])
    else:
        teacher = getattr(request.user, "teacher_profile", None)
    raw_qty = (request.GET.get("quantity") or "").strip()
    try:
        quantity = Decimal(raw_qty) if raw_qty else None
    except InvalidOperation:
        quantity = "invalid"
    if quantity is None:
        return {"item": item, "empty": True}
    # The entry being corrected, if any; only an entry of the previewed teacher is left out.
    raw_entry = request.GET.get("entry", "")
    exclude = int(raw_entry) if raw_entry.isascii() and raw_entry.isdigit() and len(raw_entry) < 16 else None
    preview = selectors.preview_entry(
        teacher=teacher, item=item, quantity=quantity, option=request.GET.get("option", ""),
        academic_year=AcademicYear.start_year_for(day), exclude_entry=exclude,
    )
    return {"item": preview.item, "preview": preview, "has_teacher": teacher is not None}


@login_required
def preview(request):
    """What the entry being typed is worth (GET item, quantity, option[, started_on, teacher]).
    HTML partial for htmx; JSON with ?format=json or Accept: application/json."""
    ctx = _preview_context(request)
    wants_json = request.GET.get("format") == "json" or "application/json" in request.headers.get("Accept", "")
    if wants_json:
        p = ctx.get("preview")
        if p is None:
            return JsonResponse({"item": ctx["item"].pk, "empty": True})
        return JsonResponse({
            "item": p.item.pk, "code": p.item.code, "academic_year": f"{p.academic_year}-{p.academic_year + 1}",
            "quantity": str(p.quantity), "option": p.option, "error": p.error,
            "entry_credits": str(p.entry_credits), "added": str(p.added), "cut_by_cap": str(p.cut_by_cap),
            "total_before": str(p.total_before), "total_after": str(p.total_after),
            "unconfirmed": p.unconfirmed,
        })
    return render(request, "credits/_preview.html", ctx)

"""System feeds: imported idempotently by external id, confirmed without the review chain,
capped by the engine at total time."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credits.models import CreditEntry, EntrySource, EntryStatus
from credits.selectors import teacher_year_totals
from reviews import services as S
from reviews.errors import TransitionError
from reviews.models import EntryTransition

TODAY = datetime.date(2018, 7, 1)


def _csv(world, rows):
    lines = ["编号,账号,日期,学时,课程名称"] + [
        f"{ext},{user},{day},{qty},微课{ext}" for ext, user, day, qty in rows
    ]
    return SimpleUploadedFile("weishipei.csv", ("\n".join(lines)).encode("utf-8-sig"))


def test_same_file_twice_changes_nothing(world):
    u = world.teacher.user.username
    rows = [("A1", u, "2018-03-01", 5), ("A2", u, "2018-04-01", 4), ("A3", u, "2018-05-01", 30)]
    first = S.feed_import_file(actor=world.city, channel="micro_course", file=_csv(world, rows), today=TODAY)
    assert (first.created_count, first.skipped_count, first.error_count) == (3, 0, 0)
    entries = set(CreditEntry.objects.values_list("pk", "credits", "status"))
    second = S.feed_import_file(actor=world.city, channel="micro_course", file=_csv(world, rows), today=TODAY)
    assert (second.created_count, second.skipped_count, second.error_count) == (0, 3, 0)
    assert set(CreditEntry.objects.values_list("pk", "credits", "status")) == entries
    assert EntryTransition.objects.count() == 3


def test_feed_entries_are_confirmed_and_capped_at_total_time(world):
    u = world.teacher.user.username
    rows = [("A1", u, "2018-03-01", 5), ("A2", u, "2018-04-01", 4), ("A3", u, "2018-05-01", 30)]
    S.feed_import_file(actor=world.city, channel="micro_course", file=_csv(world, rows), today=TODAY)
    assert set(CreditEntry.objects.values_list("status", "source")) == {(EntryStatus.CONFIRMED, EntrySource.FEED)}
    # 39 hours of 微课: 13 whole units of 3 hours, capped at 8 for the 学年.
    totals = teacher_year_totals(teacher=world.teacher, academic_year=world.year)
    assert totals.by_item["micro_course"].credited == Decimal("8")


def test_api_records_with_bad_rows_report_per_row(world):
    u = world.teacher.user.username
    feed = S.feed_import_records(actor=world.city, channel="reading_note", today=TODAY, records=[
        {"external_id": "n1", "username": u, "date": "2018-03-01", "quantity": 1},
        {"external_id": "n2", "username": "nobody", "date": "2018-03-01", "quantity": 1},
        {"external_id": "", "username": u, "date": "2018-03-01", "quantity": 1},
        {"external_id": "n4", "username": u, "date": "2018-13-01", "quantity": 1},
    ])
    assert (feed.created_count, feed.error_count) == (1, 3)
    assert [e["row"] for e in feed.errors] == [2, 3, 4]
    assert CreditEntry.objects.get().credits == Decimal("3.0")


def test_signin_feed_needs_the_training_item(world):
    u = world.teacher.user.username
    record = {"external_id": "s1", "username": u, "date": "2018-03-01", "quantity": 6}
    feed = S.feed_import_records(actor=world.city, channel="signin", records=[record], today=TODAY)
    assert feed.error_count == 1 and not CreditEntry.objects.exists()
    feed = S.feed_import_records(actor=world.city, channel="signin", item_code="admin_training",
                                 records=[record], today=TODAY)
    assert feed.created_count == 1
    assert teacher_year_totals(teacher=world.teacher, academic_year=world.year).regulated == Decimal("6")


def test_by_id_number_and_excel(world):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["编号", "身份证号", "日期", "数量"])
    wb.active.append(["v1", world.teacher.id_number, datetime.date(2018, 2, 1), 7])
    out = io.BytesIO()
    wb.save(out)
    feed = S.feed_import_file(actor=world.city, channel="video_course",
                              file=SimpleUploadedFile("video.xlsx", out.getvalue()), today=TODAY)
    assert feed.created_count == 1 and CreditEntry.objects.get().teacher == world.teacher


def test_only_city_staff_import(world):
    with pytest.raises(TransitionError):
        S.feed_import_records(actor=world.district_admin, channel="micro_course", records=[], today=TODAY)


def test_sealed_year_rows_are_refused(world):
    from django.utils import timezone

    world.year.sealed_at = timezone.now()
    world.year.save(update_fields=["sealed_at"])
    feed = S.feed_import_records(actor=world.city, channel="micro_course", today=TODAY, records=[
        {"external_id": "x", "username": world.teacher.user.username, "date": "2018-03-01", "quantity": 3}])
    assert feed.error_count == 1 and "封存" in feed.errors[0]["message"]
    assert not CreditEntry.objects.exists()


def test_a_channel_feeds_only_its_own_item(world):
    """A 微师培 record cannot name another item (e.g. 支教, 72 credits) and be confirmed without review."""
    u = world.teacher.user.username
    feed = S.feed_import_records(actor=world.city, channel="micro_course", today=TODAY, records=[
        {"external_id": "m1", "username": u, "date": "2018-03-01", "quantity": 1, "item_code": "support_teaching"}])
    assert feed.error_count == 1 and "微师培" in feed.errors[0]["message"]
    assert not CreditEntry.objects.exists()
    with pytest.raises(TransitionError):
        S.feed_import_records(actor=world.city, channel="micro_course", item_code="support_teaching", today=TODAY,
                              records=[{"external_id": "m2", "username": u, "date": "2018-03-01", "quantity": 1}])
    assert not CreditEntry.objects.exists()


def test_signin_feeds_only_centralized_training_items(world):
    """二(三)1(1): the sign-in scan replaces the 集中培训 chain, so only 集中培训 items declared with hours
    may come through it, not a roster, a document or a 灵活性 item."""
    u = world.teacher.user.username
    records = [{"external_id": f"s{n}", "username": u, "date": "2018-03-01", "quantity": 2, "item_code": code}
               for n, code in enumerate(("support_teaching", "base_city_roster", "school_based_training",
                                         "menu_training"))]
    feed = S.feed_import_records(actor=world.city, channel="signin", records=records, today=TODAY)
    assert (feed.created_count, feed.error_count) == (1, 3)
    assert list(CreditEntry.objects.values_list("item__code", flat=True)) == ["menu_training"]


def test_fed_quantities_are_rounded_down_never_up(world):
    """Like every conversion, a fed quantity keeps one place by rounding down (2.35 → 2.3, not 2.4),
    and a quantity that rounds to nothing is refused rather than stored as 0."""
    u = world.teacher.user.username
    feed = S.feed_import_records(actor=world.city, channel="video_course", today=TODAY, records=[
        {"external_id": "v1", "username": u, "date": "2018-03-01", "quantity": "2.35"},
        {"external_id": "v2", "username": u, "date": "2018-03-01", "quantity": "0.04"}])
    assert (feed.created_count, feed.error_count) == (1, 1)
    assert feed.errors[0]["external_id"] == "v2"
    entry = CreditEntry.objects.get()
    assert (entry.quantity_claimed, entry.credits) == (Decimal("2.3"), Decimal("2.3"))

"""The seal snapshots the kept totals table checked against the full set-based recompute: a kept
row that differs (or is missing) is corrected to the recompute and counted; a forced seal keeps
the table current (the closed entries' open counts are zero), so nothing needs correcting."""

from decimal import Decimal

from credits.models import EntryStatus, TeacherYearTotal
from credits.selectors import year_figures, year_figures_engine
from reviews.models import Action, EntryTransition
from sealing.models import SealChunk, SealedSnapshot

from .test_seal import _seal, year_data  # noqa: F401  (year_data is a fixture)


def _columns(obj):
    return {name: getattr(obj, name) for name in TeacherYearTotal.FIGURES}


def test_a_forced_seal_leaves_nothing_to_correct_and_its_audit_rows_name_the_change(
        world, year_data, django_capture_on_commit_callbacks):  # noqa: F811
    assert TeacherYearTotal.objects.get(teacher=world.teacher, academic_year=world.year).open_entries == 1
    seal = _seal(world, django_capture_on_commit_callbacks, force=True, reason="区县逾期未审")
    seal.refresh_from_db()
    assert seal.corrected_count == 0 and set(SealChunk.objects.values_list("corrected_count", flat=True)) == {0}
    assert seal.job.result["corrected"] == 0
    row = TeacherYearTotal.objects.get(teacher=world.teacher, academic_year=world.year)
    assert row.open_entries == 0
    snap = SealedSnapshot.objects.get(seal=seal, teacher=world.teacher)
    assert _columns(snap) == _columns(row)
    late = EntryTransition.objects.get(action=Action.CLOSE_LATE)
    assert late.changes == {"status": ["submitted", EntryStatus.LATE]}


def test_a_kept_row_that_differs_is_corrected_to_the_recompute_and_counted(
        world, year_data, django_capture_on_commit_callbacks):  # noqa: F811
    TeacherYearTotal.objects.filter(teacher=world.teacher).update(total=Decimal("99"), year_ok=True)
    TeacherYearTotal.objects.filter(teacher=world.city_teacher).delete()
    seal = _seal(world, django_capture_on_commit_callbacks, force=True, reason="区县逾期未审")
    seal.refresh_from_db()
    assert seal.corrected_count == 2 == sum(SealChunk.objects.values_list("corrected_count", flat=True))
    ids = [world.teacher.pk, world.city_teacher.pk]
    engine = year_figures_engine(teacher_ids=ids, academic_year=world.year.start_year)
    assert {t: f.columns() for t, f in year_figures(teacher_ids=ids, academic_year=world.year).items()} == {
        t: f.columns() for t, f in engine.items()}
    for t in ids:
        snap = SealedSnapshot.objects.get(seal=seal, teacher_id=t)
        row = TeacherYearTotal.objects.get(teacher_id=t, academic_year=world.year)
        assert _columns(snap) == _columns(row) == engine[t].columns()
    assert TeacherYearTotal.objects.get(teacher=world.teacher).total == Decimal(50)

"""The audit trail cannot be edited or deleted through Django either."""

import pytest

from reviews import services as S
from reviews.models import EntryTransition
from tests.reviews.helpers import ACTIVITY_DAY, REGISTRATION_DAY, pdf


@pytest.fixture
def transition(world):
    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                            started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)
    return EntryTransition.objects.get(entry=entry)


def test_saving_an_existing_audit_row_is_refused(transition):
    transition.comment = "改写"
    with pytest.raises(PermissionError):
        transition.save()
    assert EntryTransition.objects.get(pk=transition.pk).comment == ""


def test_deleting_an_audit_row_is_refused(transition):
    with pytest.raises(PermissionError):
        transition.delete()
    with pytest.raises(PermissionError):
        EntryTransition.objects.filter(pk=transition.pk).delete()
    with pytest.raises(PermissionError):
        EntryTransition.objects.filter(pk=transition.pk).update(comment="x")
    assert EntryTransition.objects.filter(pk=transition.pk).exists()


def test_creation_records_the_declared_fields(transition):
    assert transition.actor == transition.entry.teacher.user
    assert transition.changes["quantity_claimed"] == [None, "8"]
    assert transition.changes["credits"] == [None, "8.0"]

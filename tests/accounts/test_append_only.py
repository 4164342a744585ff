"""AccountEvent is append-only like every audit table (core.audit): the ORM refuses an update or a
delete, and PostgreSQL refuses them for every other path (raw SQL, the shell, another program)."""

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import AccountEvent
from tests.factories import UserFactory


@pytest.fixture
def event(db):
    user = UserFactory(username="audited")
    return AccountEvent.objects.create(user=user, action=AccountEvent.Action.CREATED, comment="创建账号")


def test_the_orm_refuses_to_change_or_delete_an_account_event(event):
    event.comment = "forged"
    with pytest.raises(PermissionError, match="不可修改"):
        event.save()
    with pytest.raises(PermissionError, match="不可删除"):
        event.delete()
    with pytest.raises(PermissionError, match="不可修改"):
        AccountEvent.objects.filter(pk=event.pk).update(comment="forged")
    with pytest.raises(PermissionError, match="不可删除"):
        AccountEvent.objects.filter(pk=event.pk).delete()
    assert AccountEvent.objects.get(pk=event.pk).comment == "创建账号"


@pytest.mark.postgres
def test_postgres_refuses_an_update_of_an_account_event(event):
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_accountevent SET comment = 'forged' WHERE id = %s", [event.pk])
    assert AccountEvent.objects.get(pk=event.pk).comment == "创建账号"


@pytest.mark.postgres
def test_postgres_refuses_a_delete_of_an_account_event(event):
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_accountevent WHERE id = %s", [event.pk])
    assert AccountEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["accounts_accountevent", "accounts_exportdownload", "reviews_entrytransition", "reviews_windowextension",
                                   "audits_handinevent", "audits_handinexclusion", "reports_signedform2",
                                   "certificates_certificate", "certificates_certevent"])
def test_every_audit_table_has_the_append_only_trigger(db, table):
    """One generator (core.audit.append_only) for every audit table: each has its UPDATE/DELETE trigger."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                       "WHERE c.relname = %s AND t.tgname LIKE 'pgtrigger_%%append_only%%'", [table])
        assert cursor.fetchone()[0] >= 1

import io

from django.core.management import call_command

from accounts.models import AccountStatus, District, School, TeacherProfile, User


def test_setup_site_demo_loads_chengdu_and_one_account_per_role_and_can_run_again(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("setup_site", "--demo", stdout=io.StringIO())
    call_command("setup_site", "--demo", stdout=io.StringIO())
    assert District.objects.count() == 23
    assert School.objects.filter(district__name="双流区").count() == 74
    assert School.objects.filter(district__isnull=True).exists()
    assert set(User.objects.filter(username__in=["teacher", "schooladmin", "leader", "baseadmin", "district", "city"])
               .values_list("username", flat=True)) == {"teacher", "schooladmin", "leader", "baseadmin", "district", "city"}
    assert User.objects.get(username="teacher").check_password("jixiao-demo-2018")
    assert TeacherProfile.objects.filter(status=AccountStatus.PENDING, school__name="棠湖中学").count() == 3


def test_a_second_run_keeps_what_city_staff_changed_in_the_reference_data(db):
    from credits.models import CreditItem

    call_command("setup_site")
    item = CreditItem.objects.filter(unconfirmed=True).first()
    item.unconfirmed = False
    item.save(update_fields=["unconfirmed"])
    School.objects.filter(name="棠湖中学").update(name="四川省双流棠湖中学")

    call_command("setup_site")

    item.refresh_from_db()
    assert item.unconfirmed is False
    assert School.objects.filter(name="四川省双流棠湖中学").exists()
    assert not School.objects.filter(name="棠湖中学").exists()

"""Loads the reference data (organisations, review schedule, rule catalogue) and, with
--demo, one demo account per role; prints the demo accounts. Safe to run again."""

import importlib
import importlib.util

from django.conf import settings
from django.core.management import BaseCommand, call_command
from django.db import transaction

from accounts.idcard import check_character
from accounts.models import AccountStatus, Role, RoleAssignment, School, Stage, TeacherProfile, User

# Each reference fixture is loaded only while its table is empty: afterwards the data belongs to
# city staff (a value confirmed or a school renamed in the admin must survive a second run).
REFERENCE_FIXTURES = [("organisations", "accounts.District"), ("credit_items", "credits.CreditItem")]

DEMO_PASSWORD = "jixiao-demo-2018"
# (username, display name, role, school name or None, district name or None, is also a teacher)
DEMO_ACCOUNTS = [
    ("teacher", "李老师", Role.TEACHER, "棠湖中学", None),
    ("schooladmin", "王校管", Role.SCHOOL_ADMIN, "棠湖中学", None),
    ("leader", "张校长", Role.SCHOOL_LEADER, "棠湖中学", None),
    ("baseadmin", "赵基地", Role.BASE_SCHOOL_ADMIN, "实验小学", None),
    ("district", "陈区管", Role.DISTRICT_ADMIN, None, "双流区"),
    ("city", "刘研究员", Role.CITY_STAFF, None, None),
]


class Command(BaseCommand):
    help = "载入组织机构、审证时间安排和学分项目；加 --demo 创建各角色演示账号。"

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="创建各角色演示账号")

    def handle(self, *args, demo=False, **options):
        from django.apps import apps

        for name, model in REFERENCE_FIXTURES:
            present = any((d / f"{name}.json").exists() for d in _fixture_dirs())
            if present and not apps.get_model(model).objects.exists():
                call_command("loaddata", name, verbosity=0)
        if not demo:
            return
        with transaction.atomic():
            rows = [self._demo_account(*spec) for spec in DEMO_ACCOUNTS]
            _demo_pending_accounts()
        # Demo entries (a year of claims in every state) come from the workflow app, once it has them.
        if importlib.util.find_spec("reviews.demo") is not None:
            importlib.import_module("reviews.demo").seed_demo_entries()
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, name, role, scope in rows:
            self.stdout.write(f"  {username:<12} {name:<6} {role}  {scope}")
        self.stdout.write(f"棠湖中学另有 {len(DEMO_PENDING)} 个待区县审核的新教师账号（district 登录后在“账号审核”处理）。")

    def _demo_account(self, username, name, role, school_name, district_name):
        from accounts.models import District

        user, created = User.objects.get_or_create(username=username, defaults={"last_name": name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        school = School.objects.get(name=school_name) if school_name else None
        district = District.objects.get(name=district_name) if district_name else None
        if role == Role.CITY_STAFF:
            user.is_staff = True
            user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        RoleAssignment.objects.get_or_create(user=user, role=role, school=school, district=district)
        if school is not None:
            # School-level demo users are teachers too, as a school admin usually is.
            n = User.objects.filter(pk__lte=user.pk).count()
            first17 = f"510116198506{n:02d}{user.pk % 1000:03d}"[:17]
            TeacherProfile.objects.get_or_create(
                user=user,
                defaults={"school": school, "name": name, "gender": "female", "id_number": first17 + check_character(first17),
                              "subject": "语文", "stage": school.stages[0] if school.stages else Stage.PRIMARY,
                              "status": AccountStatus.APPROVED},
            )
            RoleAssignment.objects.get_or_create(user=user, role=Role.TEACHER, school=school)
        scope = school or district or "成都市"
        return username, name, Role(role).label, scope


# Accounts the demo school admin "added" and the district has not yet decided (notice 一(二)).
DEMO_PENDING = [("赵新", "male", "16"), ("钱芳", "female", "17"), ("孙磊", "male", "18")]


def _demo_pending_accounts():
    """A few 待审核 teachers at 棠湖中学 so that the district's approval queue is not empty."""
    from accounts.services import teacher_create

    admin = User.objects.get(username="schooladmin")
    school = School.objects.get(name="棠湖中学")
    for name, gender, n in DEMO_PENDING:
        first17 = f"5101161990090{n}01"[:17]
        id_number = first17 + check_character(first17)
        if not TeacherProfile.objects.filter(id_number=id_number).exists():
            teacher_create(actor=admin, school=school, name=name, gender=gender, id_number=id_number,
                           stage=school.stages[0] if school.stages else Stage.JUNIOR, subject="数学")


def _fixture_dirs():
    from pathlib import Path

    return [Path(settings.BASE_DIR) / "fixtures"]

"""Development signing keys: a development CA and one key per issuing body (the city office and
every district's 教育局), written into CERT_SIGNING_DIR (default ./var/signing, gitignored).

Never for production: there, each issuing body's key and certificate come from its own CA and are
configured by path and password (see certificates/signing.py and the README)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import District
from certificates.services import issuer_for_school
from certificates.signing import create_dev_keys, signing_dir


class Command(BaseCommand):
    help = "生成开发用根证书和各发证机关的签名密钥（不可用于生产）。"

    def add_arguments(self, parser):
        parser.add_argument("--dir", default="", help="输出目录（默认 CERT_SIGNING_DIR）")

    def handle(self, *args, **options):
        from accounts.models import School

        folder = options["dir"] or str(signing_dir())
        issuers = []
        city_school = School.objects.filter(district__isnull=True).first()
        if city_school is not None:
            issuers.append(issuer_for_school(city_school))
        else:
            from certificates.models import Issuer
            from certificates.services.issue import CITY_ISSUER_CODE, CITY_ISSUER_NAME

            issuers.append(Issuer.objects.get_or_create(code=CITY_ISSUER_CODE, defaults={"name": CITY_ISSUER_NAME})[0])
        for district in District.objects.all():
            school = district.schools.first()
            if school is not None:
                issuers.append(issuer_for_school(school))
        written = create_dev_keys(folder, [(i.code, i.name) for i in issuers],
                                  password=getattr(settings, "CERT_SIGNING_PASSWORD", ""))
        self.stdout.write(f"{len(written)} 个文件写入 {folder}（{len(issuers)} 个发证机关）。开发用，切勿提交或用于生产。")

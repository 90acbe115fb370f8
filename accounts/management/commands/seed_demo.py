from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Role
from accounts.services import upsert_user
from routing.models import LocalGovernment, Office

DEMO_PASSWORD = "banso-demo-2026"  # noqa: S105 — published in the README for the demo only

# email, name, role, local government code, offices, lead of
DEMO_ACCOUNTS = [
    ("staff@matsumoto.example.lg.jp", "松本 花子（松本市 企画政策課）", Role.STAFF, "202029", [], []),
    ("staff@niigata.example.lg.jp", "新潟 太郎（新潟市 政策企画課）", Role.STAFF, "151009", [], []),
    ("liaison@kanto.maff.example.go.jp", "関東 農子（関東農政局）", Role.LIAISON, None, ["maff-rab-kanto"], []),
    ("lead@kanto.maff.example.go.jp", "関東 稔（関東農政局 課長）", Role.LIAISON, None, [], ["maff-rab-kanto"]),
    ("liaison@kanto.meti.example.go.jp", "関東 経子（関東経済産業局）", Role.LIAISON, None, ["meti-rbe-kanto"], []),
    ("lead@kanto.meti.example.go.jp", "関東 産（関東経済産業局 課長）", Role.LIAISON, None, [], ["meti-rbe-kanto"]),
    ("secretariat@cao.example.go.jp", "内閣 事務局（デジタル田園都市国家構想 事務局）", Role.SECRETARIAT, None, [], []),
]


class Command(BaseCommand):
    help = "Create the demo accounts (idempotent). Needs the reference data loaded first."

    @transaction.atomic
    def handle(self, *args, **options):
        if not LocalGovernment.objects.exists():
            raise CommandError("reference data is missing: run `python manage.py load_reference_data` first")
        self.stdout.write(f"demo accounts (password: {DEMO_PASSWORD})")
        for email, name, role, code, offices, lead_of in DEMO_ACCOUNTS:
            user, created = upsert_user(
                email=email,
                display_name=name,
                role=role,
                password=DEMO_PASSWORD,
                local_government=LocalGovernment.objects.get(code=code) if code else None,
                offices=Office.objects.filter(slug__in=offices),
                lead_of=Office.objects.filter(slug__in=lead_of),
            )
            if role == Role.SECRETARIAT and not user.is_staff:
                # The secretariat administers accounts and reference data in the admin.
                user.is_staff = True
                user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
            state = "created" if created else "updated"
            self.stdout.write(f"  {role.label:<8} {email:<36} {name} ({state})")

"""The demo accounts and a few demo consultations. In consult because it files
them through the consultation services (consult imports accounts, never the
other way round)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from accounts.second_factor import must_use_second_factor
from accounts.services import activate_totp, upsert_user
from routing.models import LocalGovernment, Office

DEMO_PASSWORD = "banso-demo-2026"  # noqa: S105 — published in the README for the demo only
# The TOTP secret (RFC 6238, SHA-1, 6 digits, 30 s) of the demo accounts whose role
# must use a second factor; published in the README, for the demo only.
DEMO_TOTP_SECRET = "BANSODEMOTOTPSECRETBANSODEMOTOTP"  # noqa: S105

# email, name, role, local government code, offices, lead of
DEMO_ACCOUNTS = [
    ("staff@matsumoto.example.lg.jp", "松本 花子", Role.STAFF, "202029", [], []),
    ("staff@niigata.example.lg.jp", "新潟 太郎", Role.STAFF, "151009", [], []),
    ("liaison@kanto.maff.example.go.jp", "関東 農子", Role.LIAISON, None, ["maff-rab-kanto"], []),
    ("lead@kanto.maff.example.go.jp", "関東 稔", Role.LIAISON, None, [], ["maff-rab-kanto"]),
    ("liaison@kanto.meti.example.go.jp", "関東 経子", Role.LIAISON, None, ["meti-rbe-kanto"], []),
    ("lead@kanto.meti.example.go.jp", "関東 産", Role.LIAISON, None, [], ["meti-rbe-kanto"]),
    ("secretariat@cao.example.go.jp", "内閣 明子", Role.SECRETARIAT, None, [], []),
]


class Command(BaseCommand):
    help = "Create the demo accounts (idempotent). Needs the reference data loaded first."

    def add_arguments(self, parser):
        parser.add_argument(
            "--accounts-only", action="store_true", help="create the accounts but no demo consultations"
        )

    @transaction.atomic
    def handle(self, *args, accounts_only: bool = False, **options):
        if not LocalGovernment.objects.exists():
            raise CommandError("reference data is missing: run `python manage.py load_reference_data` first")
        self.stdout.write(f"demo accounts (password: {DEMO_PASSWORD})")
        self.stdout.write(
            f"  accounts marked [TOTP] sign in with a second factor: base32 secret {DEMO_TOTP_SECRET}"
            " (RFC 6238, SHA-1, 6 digits, 30 s)"
        )
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
            totp = must_use_second_factor(user)
            if totp:
                activate_totp(user=user, secret=DEMO_TOTP_SECRET)
            state = "created" if created else "updated"
            where = (
                user.local_government.name if user.local_government else "、".join(o.name for o in user.offices.all())
            )
            mark = " [TOTP]" if totp else ""
            self.stdout.write(f"  {role.label:<8} {email:<36} {name}（{where or '事務局'}） ({state}){mark}")
        if not accounts_only:
            self._demo_consultations()

    def _demo_consultations(self):
        """A few consultations in different states, filed once (idempotent)."""
        from accounts.models import User
        from consult import services
        from consult.models import Consultation

        matsumoto = User.objects.get(email="staff@matsumoto.example.lg.jp")
        niigata = User.objects.get(email="staff@niigata.example.lg.jp")
        maff = User.objects.get(email="liaison@kanto.maff.example.go.jp")
        if Consultation.objects.filter(filed_by__in=[matsumoto, niigata]).exists():
            return
        now = timezone.now()
        days = datetime.timedelta(days=1)
        drone = services.file_consultation(
            actor=matsumoto,
            title="ドローンによる農薬散布への補助制度について",
            body="中山間地域の水田でドローンによる農薬散布を始めたいと考えています。使える補助制度と申請の時期を教えてください。",
            policy_area="smart-agri",
            now=now - 6 * days,
        ).consultation
        services.transition(actor=maff, consultation=drone, action="accept", now=now - 5 * days)
        services.post_message(
            actor=maff,
            consultation=drone,
            body="スマート農業の実証・導入に使える補助事業があります。対象面積を教えていただけますか。",
            now=now - 5 * days,
        )
        services.file_consultation(
            actor=niigata,
            title="5G基地局の誘致と光ファイバ整備（松本市と共同）",
            body="松本市と共同で、観光地の通信環境整備について相談します。",
            policy_area="digital-infra",
            co_filers=["202029"],
            now=now - 3 * days,
        )
        services.file_consultation(
            actor=niigata,
            title="商店街のキャッシュレス決済導入支援",
            body="商店街全体でキャッシュレス決済を導入したい。使える支援策は。",
            policy_area="sme-dx",
            now=now - 2 * days,
        )
        services.file_consultation(
            actor=niigata,
            title="どこに相談すべきか分からない案件",
            body="廃校舎の活用とデジタル人材の育成を組み合わせた事業について。",
            policy_area="other",
            now=now - 1 * days,
        )
        resolved = services.file_consultation(
            actor=matsumoto,
            title="スマート農業機械の共同利用",
            body="複数の農家で自動操舵トラクターを共同利用する仕組みについて。",
            policy_area="smart-agri",
            now=now - 9 * days,
        ).consultation
        services.transition(
            actor=maff,
            consultation=resolved,
            action="resolve",
            comment="共同利用組織の設立支援が使えます。",
            now=now - 2 * days,
        )
        self.stdout.write("  demo consultations filed")

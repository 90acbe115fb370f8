import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from routing import decisions


class Command(BaseCommand):
    help = "Print the routing decision and deadlines that filing now (or at --at) would give."

    def add_arguments(self, parser):
        parser.add_argument("--local-government", required=True, help="団体コード (6 digits), e.g. 202029")
        parser.add_argument("--policy-area", required=True, help="policy area slug, e.g. smart-agri")
        parser.add_argument("--co-filer", action="append", default=[], help="co-filing local government (repeatable)")
        parser.add_argument("--urgency", default="normal", choices=["normal", "urgent"])
        parser.add_argument("--title", default="")
        parser.add_argument("--body", default="")
        parser.add_argument("--at", help="ISO 8601 time of filing (default now; without offset, JST)")
        parser.add_argument("--json", action="store_true", help="print the JSON of the simulate API")

    def handle(self, *args, **options):
        at = None
        if options["at"]:
            try:
                at = datetime.datetime.fromisoformat(options["at"])
            except ValueError as exc:
                raise CommandError(f"--at: {options['at']!r} is not an ISO 8601 time") from exc
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        try:
            facts = decisions.consultation_facts(
                local_government=options["local_government"],
                policy_area=options["policy_area"],
                co_filers=options["co_filer"],
                urgency=options["urgency"],
                title=options["title"],
                body=options["body"],
            )
        except decisions.RoutingInputError as exc:
            raise CommandError(f"--{exc.field.replace('_', '-')}: {exc}") from exc
        routing = decisions.route(facts, at=at)
        payload = decisions.routing_json(routing)
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        decision = routing.decision
        office = decision.primary_office
        lines = [
            f"提出団体: {facts.filer.prefecture_name}{facts.filer.name} ({facts.filer.code})",
            f"担当: {office.name} [{office.slug}]" if office else "担当: 事務局が振り分け（トリアージ）",
        ]
        if decision.collaborators:
            lines.append("協力部局: " + "、".join(f"{o.name} [{o.slug}]" for o in decision.collaborators))
        if decision.rule:
            lines.append(f"規則: {decision.rule.name}（第{decision.rule.version}版）")
        lines += [
            f"理由: {decision.explanation_ja}",
            f"Why: {decision.explanation_en}",
            f"SLA方針: {routing.sla_policy.name}",
            f"受付時刻: {payload['submitted_at']}（時計の開始 {payload['clock_starts_at']}）",
            f"初回回答期限: {payload['first_response_due_at']}",
            f"解決期限: {payload['resolution_due_at']}",
        ]
        self.stdout.write("\n".join(lines))

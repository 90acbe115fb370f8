import json

from django.core.management.base import BaseCommand, CommandError

from routing import engine
from routing.models import RuleSet
from routing.replay import replay_rule_set


class Command(BaseCommand):
    help = "Replay a rule set (usually a draft) over past consultations and report what would be routed differently."

    def add_arguments(self, parser):
        parser.add_argument("--rule-set", type=int, required=True, help="id of the rule set (draft) to try")
        parser.add_argument("--limit", type=int, default=None, help="only the most recent N consultations")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, rule_set: int, limit: int | None, **options):
        try:
            target = RuleSet.objects.get(pk=rule_set)
        except RuleSet.DoesNotExist as exc:
            raise CommandError(f"--rule-set: no rule set {rule_set}") from exc
        try:
            report = replay_rule_set(rule_set=target, limit=limit)
        except engine.RuleSetInvalid as exc:
            raise CommandError(f"the rule set does not validate: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write("\n".join(report.lines()))

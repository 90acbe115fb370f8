from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "振り分け・参照データ (routing and reference data)"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import models, selectors

        def invalidate(sender, **kwargs):
            # Decisions read cached snapshots; any edit (admin included) renews them:
            # in this process at once (its transaction sees the edit), everywhere at
            # commit, once per transaction however many rows it wrote.
            selectors.reference_changed()

        for model in (
            models.Office,
            models.Jurisdiction,
            models.PolicyArea,
            models.SlaPolicy,
            models.OfficeSystem,
            models.RuleSet,
            models.ClosedDay,
            models.LocalGovernment,
            models.Prefecture,
            models.Ministry,
        ):
            # weak=False: the handler is a local function, which a weak reference would lose.
            post_save.connect(invalidate, sender=model, weak=False, dispatch_uid=f"routing-invalidate-{model.__name__}")
            post_delete.connect(
                invalidate, sender=model, weak=False, dispatch_uid=f"routing-invalidate-del-{model.__name__}"
            )

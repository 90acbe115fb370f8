from django.apps import AppConfig


class ConsultConfig(AppConfig):
    name = "consult"
    verbose_name = "相談 (consultations)"

    def ready(self) -> None:
        # Notifications ask consult's visibility rule who may be told, and routing's
        # replay reads past consultations, without importing consult.
        from notifications import audience
        from routing import replay

        from .audience import ConsultationAudience
        from .history import past_consultations

        audience.register(ConsultationAudience())
        replay.register_history(past_consultations)

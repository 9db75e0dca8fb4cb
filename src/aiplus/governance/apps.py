from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "aiplus.governance"
    verbose_name = _("安全治理")

    def ready(self) -> None:
        from aiplus.scenarios import gates

        from .checklists import gate

        # A demand moves to 试点 / 落地 only with its signed pilot / deployment risk checklist.
        gates.register(gate)

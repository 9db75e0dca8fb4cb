from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScenariosConfig(AppConfig):
    name = "aiplus.scenarios"
    verbose_name = _("场景供需对接")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "aiplus.programme"
    label = "programme"
    verbose_name = _("目标监测")

    def ready(self) -> None:
        from django.apps import apps

        from . import derived, series  # series: signals keeping the stored series up to date

        for src in derived.SOURCES.values():
            for label in src.watches:
                series.watch(apps.get_model(label))

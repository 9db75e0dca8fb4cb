from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "aiplus.catalogue"
    verbose_name = _("数据与模型平台")

    def ready(self) -> None:
        from . import derived  # noqa: F401  (registers the programme's derived sources)

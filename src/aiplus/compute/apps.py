from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComputeConfig(AppConfig):
    name = "aiplus.compute"
    label = "compute"
    verbose_name = _("公共算力服务")

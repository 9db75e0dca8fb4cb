from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "aiplus.accounts"
    verbose_name = _("单位与账号")

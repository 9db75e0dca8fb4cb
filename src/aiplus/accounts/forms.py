from django import forms
from django.utils.translation import gettext_lazy as _

from aiplus.core.models import Area, DemanderType

from .choices import Role


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)


class RegisterForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=200)
    kind = forms.ChoiceField(
        label=_("注册身份"),
        choices=[
            (Role.DEMANDER.value, Role.DEMANDER.label),
            (Role.SUPPLIER.value, Role.SUPPLIER.label),
            (Role.COMPUTE_PROVIDER.value, Role.COMPUTE_PROVIDER.label),
        ],
    )
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    area = forms.ModelChoiceField(label=_("所在板块"), queryset=Area.objects.all(), required=False)
    demander_type = forms.ModelChoiceField(
        label=_("需求方类型（需求方填写）"), queryset=DemanderType.objects.all(), required=False
    )
    description = forms.CharField(
        label=_("单位简介"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    display_name = forms.CharField(label=_("联系人姓名"), max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30)
    email = forms.EmailField(label=_("邮箱"), required=False)
    username = forms.CharField(label=_("登录用户名"), max_length=150)
    password = forms.CharField(
        label=_("密码"),
        widget=forms.PasswordInput,
        help_text=_("至少 8 位，不能全为数字或过于常见"),
    )

"""Every write to organisations, users and tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from aiplus.core import audit, throttling
from aiplus.core.errors import PermissionDenied, ServiceError
from aiplus.core.models import Area, DemanderType

from .choices import OrgStatus, Role
from .models import ApiToken, LoginAttempt, Organisation, User

SELF_REGISTRABLE = {Role.DEMANDER, Role.SUPPLIER, Role.COMPUTE_PROVIDER}


@transaction.atomic
def register_organisation(
    *,
    name: str,
    kind: str,
    username: str,
    password: str,
    display_name: str = "",
    email: str = "",
    credit_code: str = "",
    area: Area | None = None,
    demander_type: DemanderType | None = None,
    description: str = "",
    contact_phone: str = "",
) -> User:
    """Register a new organisation with its first member; it waits for the office's review."""
    name = name.strip()
    errors: dict[str, str] = {}
    if kind not in SELF_REGISTRABLE:
        errors["kind"] = "只能注册为需求方、供给方或算力供给方。"
    if not name:
        errors["name"] = "请填写单位名称。"
    elif Organisation.objects.filter(name=name).exists():
        errors["name"] = "该单位已注册，请联系单位管理员为您开通账号。"
    if credit_code and Organisation.objects.filter(credit_code=credit_code).exists():
        errors["credit_code"] = "该统一社会信用代码已注册。"
    if not username.strip():
        errors["username"] = "请填写用户名。"
    elif User.objects.filter(username=username).exists():
        errors["username"] = "用户名已被占用。"
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        errors["password"] = "；".join(exc.messages)
    if errors:
        raise ServiceError("注册信息有误，请修改后重新提交。", errors)
    org = Organisation.objects.create(
        name=name,
        kind=kind,
        credit_code=credit_code,
        area=area,
        demander_type=demander_type,
        description=description,
        contact_name=display_name,
        contact_phone=contact_phone,
    )
    user = User.objects.create_user(
        username=username,
        password=password,
        email=email,
        display_name=display_name,
        organisation=org,
    )
    audit.record(
        actor=user,
        action="organisation.register",
        obj=org,
        summary=name,
        after={"kind": kind, "status": org.status},
    )
    return user


@transaction.atomic
def review_organisation(
    *, actor: User, organisation: Organisation, approve: bool, note: str = ""
) -> Organisation:
    """The office approves or rejects a registered organisation."""
    if not actor.is_office:
        raise PermissionDenied("只有专班办公室可以审核单位注册。")
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if org.status != OrgStatus.PENDING:
        raise ServiceError("该单位不在待审核状态。")
    if not approve and not note.strip():
        raise ServiceError("不予通过时请填写原因，申请单位会看到它。", {"note": "请填写原因。"})
    before = org.status
    org.status = OrgStatus.APPROVED if approve else OrgStatus.REJECTED
    org.review_note = note[:300]
    org.save(update_fields=["status", "review_note"])
    audit.record(
        actor=actor,
        action="organisation.review",
        obj=org,
        summary=org.name,
        before={"status": before},
        after={"status": org.status, "note": note},
    )
    return org


def login_blocked(*, username: str, ip: str | None) -> bool:
    """True when too many recent failures for this username or this address."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    who = Q(username__iexact=username)
    if ip:
        who |= Q(ip=ip)
    failures = LoginAttempt.objects.filter(who, at__gte=since, succeeded=False).count()
    return failures >= settings.LOGIN_MAX_FAILURES


def authenticate_throttled(*, request, username: str, password: str, ip: str | None) -> User:
    """Check a username and password, refusing while the login is throttled."""
    if login_blocked(username=username, ip=ip):
        raise PermissionDenied("登录失败次数过多，请 15 分钟后再试。")
    user = authenticate(request, username=username, password=password)
    LoginAttempt.objects.create(username=username[:150], ip=ip, succeeded=user is not None)
    if user is None:
        raise ServiceError("用户名或密码不正确。")
    return user


@transaction.atomic
def issue_token(*, user: User, name: str = "api") -> str:
    """Create an API token for the user and return it; only its digest is kept."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], digest=ApiToken.hash(raw), prefix=raw[:8]
    )
    audit.record(actor=user, action="token.issue", obj=token, summary=f"{name[:100]}（{raw[:8]}…）")
    return raw


def user_for_token(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(digest=ApiToken.hash(raw), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


client_ip = throttling.client_ip  # login throttling counts by the same address as the API

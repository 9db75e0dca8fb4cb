"""Sign in (throttled), sign out, organisation registration and the office's review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from aiplus.core.errors import ServiceError
from aiplus.core.pages import posted

from . import services
from .forms import LoginForm, RegisterForm
from .models import Organisation


def login_view(request):
    form = LoginForm(posted(request))
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        try:
            user = services.authenticate_throttled(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=services.client_ip(request),
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user)
            if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                return redirect(next_url)
            return redirect("scenarios:my" if user.role else "core:home")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("core:home")


def register_view(request):
    form = RegisterForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.register_organisation(
                name=data["name"],
                kind=data["kind"],
                username=data["username"],
                password=data["password"],
                display_name=data["display_name"],
                email=data["email"],
                credit_code=data["credit_code"],
                area=data["area"],
                demander_type=data["demander_type"],
                description=data["description"],
                contact_phone=data["contact_phone"],
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
            for field, msg in exc.errors.items():
                form.add_error(field if field in form.fields else None, msg)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, "注册成功，请等待专班办公室审核。审核通过后即可使用全部功能。"
            )
            return redirect("core:home")
    return render(request, "accounts/register.html", {"form": form})


@require_POST
@login_required
def review_view(request, pk: int):
    org = get_object_or_404(Organisation, pk=pk)
    try:
        services.review_organisation(
            actor=request.user,
            organisation=org,
            approve=request.POST.get("approve") == "1",
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已处理“{org.name}”的注册申请。")
    return redirect("scenarios:workbench")

"""Signing in: lockout, throttling, the first login, and API tokens.

- **Lockout per account** (django-axes): ``AXES_FAILURE_LIMIT`` wrong passwords for one account
  (default 5) lock it for ``AXES_COOLOFF_TIME`` (default 15 minutes), on every credential check:
  the login page, ``/api/auth/token/`` and the first login (all go through ``authenticate``).
  An administrator unlocks at once: Django admin → 用户 → 「解除登录锁定」, or
  ``manage.py axes_reset_username <工号>``.
- **Throttle per client address** (DRF's throttling, scope ``login``): at most
  ``LOGIN_RATE_PER_ADDRESS`` sign-in attempts (default 300 an hour: a whole exam room behind
  one address signs in at once) from one address to the page and the token endpoint together.
- **First login**: see certify.people.hashers; the secret works once, then every page asks for a
  new password (``PasswordChangeRequiredMiddleware`` and ``password_set``).
- **API tokens**: certify.people.tokens. Signing out of the site revokes the tokens its pages
  were given (the written exam page's).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash, user_logged_in, user_logged_out
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.views import LoginView
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from certify.people.models import ApiToken
from certify.people.tokens import api_token_issue, api_token_revoke, page_tokens_revoke


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _("登录失败次数过多，该账号已锁定 %(minutes)s 分钟。如需立即解锁，请联系认证管理员。") % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: 429 with the message, as JSON for the API, on the login page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=429, json_dumps_params={"ensure_ascii": False})
    return render(request, "registration/login.html", {"locked_out": lockout_message()}, status=429)


class LoginThrottle(SimpleRateThrottle):
    """Sign-in attempts per client address, shared by the login page and the token endpoint."""

    scope = "login"

    def get_rate(self) -> str:
        return settings.LOGIN_RATE_PER_ADDRESS

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def throttled_message(wait: float | None) -> str:
    return _("该网络地址的登录尝试过于频繁，请 %(seconds)s 秒后再试。") % {"seconds": int(wait or 60) + 1}


class ThrottledLoginView(LoginView):
    """Django's login page, with the per-address throttle on every POST."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        throttle = LoginThrottle()
        if not throttle.allow_request(request, self):
            form = self.get_form()
            return render(
                request,
                self.template_name,
                {"form": form, "locked_out": throttled_message(throttle.wait())},
                status=429,
            )
        return super().post(request, *args, **kwargs)


@receiver(user_logged_in)
def first_login_consumes_the_secret(sender, request, user, **kwargs) -> None:
    """The first-login secret works once: signing in with it replaces it by an unusable password
    (this session stays signed in, and must set a new password before anything else)."""
    if user.password_must_change and user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
        if request is not None and hasattr(request, "session"):
            update_session_auth_hash(request, user)


@receiver(user_logged_out)
def signing_out_revokes_the_page_tokens(sender, request, user, **kwargs) -> None:
    """The session's page tokens end with it (Django sends this before it empties the session)."""
    if request is not None and hasattr(request, "session"):
        page_tokens_revoke(session=request.session)


ALLOWED_WHILE_CHANGING = ("/accounts/password/", "/accounts/logout/", "/static/")


class PasswordChangeRequiredMiddleware:
    """A signed-in user who must set a new password reaches only that page (and logout)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.password_must_change
            and not request.path.startswith(ALLOWED_WHILE_CHANGING)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("首次登录请先在网页上设置新密码")},
                    status=403,
                    json_dumps_params={"ensure_ascii": False},
                )
            return redirect("password-set")
        return self.get_response(request)


@login_required
def password_set(request):
    """Set a new password: required after the first login (the secret is spent, so no old
    password is asked); anyone else signed in changes theirs by giving the current one (a
    session left open on an exam terminal must not be enough)."""
    form_class = SetPasswordForm if request.user.password_must_change else PasswordChangeForm
    form = form_class(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.password_must_change = False
        user.save()
        update_session_auth_hash(request, user)
        messages.success(request, _("新密码已设置，今后请用新密码登录。"))
        return redirect("home")
    return render(request, "registration/password_set.html", {"form": form, "first": request.user.password_must_change})


class TokenObtainApi(APIView):
    """``POST /api/auth/token/`` with username and password: a token and when it expires."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginThrottle]

    class TokenInputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    class TokenOutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema(
        request=TokenInputSerializer, responses={200: TokenOutputSerializer}, summary="获取 API 令牌", auth=[]
    )
    def post(self, request):
        data = self.TokenInputSerializer(data=request.data)
        if not data.is_valid():
            return Response({"detail": _("请填写账号和密码")}, status=status.HTTP_400_BAD_REQUEST)
        django_request = request._request  # django-axes flags the lockout on Django's request
        user = authenticate(django_request, **data.validated_data)
        if getattr(django_request, "axes_locked_out", False):
            return Response({"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None:
            return Response({"detail": _("账号或密码不正确")}, status=status.HTTP_400_BAD_REQUEST)
        if user.password_must_change:
            return Response({"detail": _("首次登录请先在网页上设置新密码")}, status=status.HTTP_403_FORBIDDEN)
        token, key = api_token_issue(user=user)
        return Response({"token": key, "expires_at": token.expires_at})

    def throttled(self, request, wait):
        from rest_framework.exceptions import Throttled

        raise Throttled(wait, detail=throttled_message(wait))


class TokenRevokeApi(APIView):
    """``POST /api/auth/token/revoke/``: the token presented ends now (signing out of the API)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, summary="撤销当前 API 令牌")
    def post(self, request):
        if not isinstance(request.auth, ApiToken):
            return Response({"detail": _("请使用 API 令牌调用此接口")}, status=status.HTTP_400_BAD_REQUEST)
        api_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)

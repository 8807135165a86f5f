"""Expiring, revocable API tokens (``Authorization: Token <key>``, as DRF's own).

- ``api_token_issue(user=…)``: a new random key; the database keeps only its SHA-256. It
  expires ``settings.API_TOKEN_SECONDS`` after issue (``API_TOKEN_SECONDS``, default 12 hours,
  an exam day), and a candidate's never after the end of the last window of their sittings in
  progress or scheduled (issued when they have none, it lasts an hour: nothing needs longer).
- ``ExpiringTokenAuthentication``: the DRF authentication class; an expired or revoked token is
  refused with 401 and a message saying which.
- ``api_token_revoke``: ends a token now.
- ``page_token_issue`` / ``page_tokens_revoke``: the token a page of the site carries for its
  own API calls (the written exam page: its saves are then answered at the WSGI edge,
  ``exams.written.fast_api``), bound to the browser's session: the session remembers the newest
  ``PAGE_TOKENS_KEPT`` it was given (an older one is revoked when a newer pushes it out; a reload
  or a second tab does not revoke the one before), and signing out revokes them all.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from certify.people.models import ApiToken, User

NO_SITTING_SECONDS = 3600
# A page token outlives the deadline it was issued for by this much: room pauses and extra time
# granted after the page was loaded move the deadline on (a page whose token still runs out
# reloads once and gets a fresh one).
PAGE_TOKEN_MARGIN = timedelta(hours=2)
PAGE_TOKENS_KEPT = 10
PAGE_TOKENS_SESSION_KEY = "page_tokens"


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def token_expiry(user: User, now: datetime) -> datetime:
    expires = now + timedelta(seconds=settings.API_TOKEN_SECONDS)
    if not user.is_candidate:
        return expires
    # exams is above the base: read its rows through the relation names, not its models.
    ends = (
        user.candidate.enrollments.filter(sitting__status__in=["scheduled", "in_progress"]).aggregate(
            written=Max("sitting__written_end"), practical=Max("sitting__practical_end")
        )
        if hasattr(user, "candidate")
        else {}
    )
    last = max((end for end in ends.values() if end is not None), default=None)
    if last is None or last <= now:
        return min(expires, now + timedelta(seconds=NO_SITTING_SECONDS))
    return min(expires, last)


def api_token_issue(
    *, user: User, now: datetime | None = None, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user`` and its key (shown once: only the digest is kept). It expires at
    ``expires_at``, by default when :func:`token_expiry` says."""
    now = now or timezone.now()
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user, key_hash=key_digest(key), created_at=now, expires_at=expires_at or token_expiry(user, now)
    )
    return token, key


def api_tokens_issue_bulk(*, users: list[User], now: datetime | None = None) -> dict[int, str]:
    """Keys for many users at once (benchmarks and load tests): user id → key."""
    now = now or timezone.now()
    keys = {user.pk: secrets.token_hex(20) for user in users}
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=user, key_hash=key_digest(keys[user.pk]), created_at=now, expires_at=token_expiry(user, now))
            for user in users
        ],
        batch_size=2000,
    )
    return keys


def api_token_revoke(*, token: ApiToken, now: datetime | None = None) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now or timezone.now())


def page_token_expiry(user: User, now: datetime, until: datetime) -> datetime:
    """A page token lasts as a token issued now would, and at least until ``until`` (what the
    page is for: the attempt's deadline) plus ``PAGE_TOKEN_MARGIN``, but never longer than
    ``API_TOKEN_SECONDS``, the longest any token lasts."""
    longest = now + timedelta(seconds=settings.API_TOKEN_SECONDS)
    return min(longest, max(token_expiry(user, now), until + PAGE_TOKEN_MARGIN))


def page_token_issue(*, session, user: User, until: datetime, now: datetime | None = None) -> str:
    """A key for a page that ``session`` (a Django session) shows ``user``, valid at least until
    ``until`` (see :func:`page_token_expiry`). The session keeps the ids of its newest
    ``PAGE_TOKENS_KEPT`` page tokens and revokes the ones this pushes out; the others stay valid,
    so another tab of the same session keeps working."""
    now = now or timezone.now()
    token, key = api_token_issue(user=user, now=now, expires_at=page_token_expiry(user, now, until))
    ids = [*session.get(PAGE_TOKENS_SESSION_KEY, []), token.pk]
    _revoke_ids(ids[:-PAGE_TOKENS_KEPT], now)
    session[PAGE_TOKENS_SESSION_KEY] = ids[-PAGE_TOKENS_KEPT:]
    return key


def page_tokens_revoke(*, session, now: datetime | None = None) -> None:
    """Every page token ``session`` was given ends now (signing out)."""
    _revoke_ids(session.pop(PAGE_TOKENS_SESSION_KEY, []), now or timezone.now())


def _revoke_ids(ids: list[int], now: datetime) -> None:
    if ids:
        ApiToken.objects.filter(pk__in=ids, revoked_at__isnull=True).update(revoked_at=now)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's ``Token`` header, checked against ``ApiToken``: unknown, expired and revoked keys get 401."""

    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = ApiToken.objects.select_related("user").filter(key_hash=key_digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效，请重新登录"))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("令牌已被撤销，请重新登录"))
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新登录"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("账号已停用"))
        return token.user, token

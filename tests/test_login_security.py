"""Issue 11 (1): no guessable logins. Lockout per account on every credential check (the login
page, the token endpoint, the first login), a throttle per client address, the admin's unlock,
the first-login secret stored hashed and used once, tokens that expire and can be revoked."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from certify.people.models import ApiToken, User
from certify.people.tokens import api_token_issue
from tests.conftest import PASSWORD, client_for
from tests.security_helpers import day_open_now

pytestmark = pytest.mark.django_db

LOCKED = "登录失败次数过多，该账号已锁定 15 分钟。如需立即解锁，请联系认证管理员。"


def sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_sixty_wrong_passwords_on_the_login_page_lock_the_account_and_the_right_one_then_fails(candidate):
    client = Client()
    for _ in range(60):
        sign_in(client, "E1001", "wrong-password")
    response = sign_in(client, "E1001", PASSWORD)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    assert sign_in(Client(), "E1002", "wrong").status_code == 200


def test_the_lock_starts_at_the_fifth_failure(candidate):
    client = Client()
    for _ in range(4):
        assert sign_in(client, "E1001", "wrong-password").status_code == 200
    assert sign_in(client, "E1001", PASSWORD).status_code == 302  # four typos are forgiven


def test_sixty_wrong_passwords_on_the_token_endpoint_lock_the_account(candidate):
    client = Client()
    for _ in range(60):
        client.post("/api/auth/token/", {"username": "E1001", "password": "wrong-password"})
    response = client.post("/api/auth/token/", {"username": "E1001", "password": PASSWORD})
    assert response.status_code == 429
    assert response.json() == {"detail": LOCKED}
    assert not ApiToken.objects.exists()


def test_thirty_guesses_at_a_first_login_lock_the_account(org, standard):
    from certify.people.services import candidate_upsert

    candidate = candidate_upsert(
        employee_no="R0001", name="王芳", id_number="11010519491231002X", phone="13812345678", hall=org.hall
    )[0]
    client = Client()
    for guess in range(30):
        sign_in(client, "R0001", f"{guess:06d}")
    response = sign_in(client, "R0001", "31002X")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert User.objects.get(pk=candidate.user_id).password_must_change


def test_an_admin_unlocks_an_account_at_once(candidate, hr):
    for _ in range(6):
        sign_in(Client(), "E1001", "wrong-password")
    assert sign_in(Client(), "E1001", PASSWORD).status_code == 429
    response = client_for(hr).post(
        "/admin/certify/user/", {"action": "unlock", "_selected_action": [candidate.user_id]}, follow=True
    )
    assert "已解除 1 个账号的登录锁定。" in response.content.decode()
    assert sign_in(Client(), "E1001", PASSWORD).status_code == 302


def test_too_many_sign_ins_from_one_address_are_throttled(candidate, other_candidate, settings):
    settings.LOGIN_RATE_PER_ADDRESS = "3/hour"
    cache.clear()
    try:
        for username in ("E1001", "E1002", "nobody"):
            sign_in(Client(), username, "wrong-password")
        response = sign_in(Client(), "E1002", PASSWORD)
        assert response.status_code == 429
        assert "该网络地址的登录尝试过于频繁，请" in response.content.decode()
        api = Client().post("/api/auth/token/", {"username": "E1002", "password": PASSWORD})
        assert api.status_code == 429 and "该网络地址的登录尝试过于频繁" in api.json()["detail"]
        other_address = Client(REMOTE_ADDR="10.0.0.9")
        assert sign_in(other_address, "E1002", PASSWORD).status_code == 302
    finally:
        cache.clear()


def test_the_first_login_secret_is_stored_hashed_works_once_and_forces_a_new_password(org, standard):
    from certify.people.services import candidate_upsert

    candidate = candidate_upsert(
        employee_no="R0001", name="王芳", id_number="11010519491231002X", phone="13812345678", hall=org.hall
    )[0]
    stored = User.objects.get(pk=candidate.user_id).password
    assert stored.startswith("first_login_hmac$") and "31002X" not in stored
    client = Client()
    assert sign_in(client, "R0001", "31002x").status_code == 302  # the check letter in either case
    assert client.get("/").url == "/accounts/password/"
    assert client.get("/sittings/").url == "/accounts/password/"
    api = client.get("/api/me/")
    assert api.status_code == 403 and api.json() == {"detail": "首次登录请先在网页上设置新密码"}
    assert "身份证号后六位只能用于这一次登录" in client.get("/accounts/password/").content.decode()
    again = sign_in(Client(), "R0001", "31002X")
    assert again.status_code == 200  # the secret worked once
    response = client.post(
        "/accounts/password/", {"new_password1": "Xin-mima-2026", "new_password2": "Xin-mima-2026"}, follow=True
    )
    assert "新密码已设置，今后请用新密码登录。" in response.content.decode()
    assert client.get("/").status_code == 200
    assert sign_in(Client(), "R0001", "Xin-mima-2026").status_code == 302
    assert not User.objects.get(pk=candidate.user_id).password_must_change


def test_the_first_login_secret_does_not_give_an_api_token(org, standard):
    from certify.people.services import candidate_upsert

    candidate_upsert(
        employee_no="R0001", name="王芳", id_number="11010519491231002X", phone="13812345678", hall=org.hall
    )
    response = Client().post("/api/auth/token/", {"username": "R0001", "password": "31002X"})
    assert response.status_code == 403 and response.json() == {"detail": "首次登录请先在网页上设置新密码"}


def test_a_token_lasts_an_exam_day_and_then_is_refused(hr):
    response = Client().post("/api/auth/token/", {"username": "hr", "password": PASSWORD})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.expires_at - token.created_at == timedelta(hours=12)
    assert len(response.json()["token"]) == 40 and token.key_hash != response.json()["token"]
    _old, key = api_token_issue(user=hr, now=timezone.now() - timedelta(hours=13))
    refused = Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert refused.status_code == 401 and refused.json() == {"detail": "令牌已过期，请重新登录"}


def test_a_revoked_token_is_refused(hr):
    key = Client().post("/api/auth/token/", {"username": "hr", "password": PASSWORD}).json()["token"]
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/me/").status_code == 200
    assert client.post("/api/auth/token/revoke/").status_code == 204
    refused = client.get("/api/me/")
    assert refused.status_code == 401 and refused.json() == {"detail": "令牌已被撤销，请重新登录"}


def test_an_admin_revokes_every_token_of_a_user(hr, candidate):
    _token, key = api_token_issue(user=candidate.user)
    client_for(hr).post("/admin/certify/user/", {"action": "revoke_tokens", "_selected_action": [candidate.user_id]})
    assert Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_a_candidates_token_does_not_outlive_their_sitting(org, standard):
    day = day_open_now(org)
    user = day.candidate
    user.set_password(PASSWORD)
    user.password_must_change = False
    user.save()
    Client().post("/api/auth/token/", {"username": user.username, "password": PASSWORD})
    token = ApiToken.objects.get(user=user)
    assert token.expires_at == day.sitting.practical_end
    assert token.expires_at < token.created_at + timedelta(hours=12)


def test_changing_a_set_password_needs_the_current_one(candidate):
    client = client_for(candidate.user)
    response = client.post(
        "/accounts/password/", {"new_password1": "Other-pass-2026", "new_password2": "Other-pass-2026"}
    )
    assert response.status_code == 200 and "当前密码" in response.content.decode()
    assert sign_in(Client(), "E1001", PASSWORD).status_code == 302  # unchanged
    client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Other-pass-2026", "new_password2": "Other-pass-2026"},
    )
    assert sign_in(Client(), "E1001", "Other-pass-2026").status_code == 302

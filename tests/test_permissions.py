"""Permissions are enforced in the API and on every page, not only hidden in menus."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from certify.people.models import Role
from certify.people.services import staff_upsert
from tests.conftest import PASSWORD, client_for

API_ENDPOINTS = [
    "/api/me/",
    "/api/standard/",
    "/api/standard/versions/",
    "/api/standard/versions/1/",
    "/api/candidates/",
    "/api/candidates/1/",
    "/api/organisation/",
]
PAGES = ["/", "/standard/", "/candidates/", "/organisation/", "/me/"]


@pytest.mark.parametrize("url", API_ENDPOINTS)
def test_an_anonymous_api_request_gets_no_data(standard, candidate, url):
    response = Client().get(url)
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"detail"}


def test_an_anonymous_request_cannot_write(standard):
    response = Client().post("/api/standard/versions/", {"note": "x", "changes": {}}, content_type="application/json")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("url", PAGES)
def test_an_anonymous_visitor_is_sent_to_the_login_page(standard, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_candidate_reads_their_own_record_unmasked(candidate):
    response = client_for(candidate.user).get(f"/api/candidates/{candidate.pk}/")
    assert response.status_code == 200
    assert response.json()["id_number"] == "11010519491231002X"
    assert response.json()["phone"] == "13812345678"


def test_a_candidate_cannot_read_another_candidates_record(candidate, other_candidate):
    response = client_for(candidate.user).get(f"/api/candidates/{other_candidate.pk}/")
    assert response.status_code == 404
    assert "李伟" not in response.content.decode()


@pytest.mark.parametrize("url", ["/api/candidates/", "/api/standard/", "/api/standard/versions/", "/api/organisation/"])
def test_a_candidate_cannot_read_admin_or_staff_data(candidate, url):
    assert client_for(candidate.user).get(url).status_code == 403


@pytest.mark.parametrize("url", ["/standard/", "/candidates/", "/organisation/"])
def test_a_candidate_is_refused_staff_pages(candidate, url):
    assert client_for(candidate.user).get(url).status_code == 403


def test_a_candidate_cannot_enter_the_django_admin(candidate):
    response = client_for(candidate.user).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("url", ["/candidates/", "/organisation/"])
def test_an_examiner_is_refused_admin_pages(examiner, url):
    assert client_for(examiner).get(url).status_code == 403


def test_an_examiner_cannot_list_candidates_through_the_api(examiner, candidate):
    assert client_for(examiner).get("/api/candidates/").status_code == 403
    assert client_for(examiner).get(f"/api/candidates/{candidate.pk}/").status_code == 404


def test_an_admin_with_the_permission_sees_full_personal_data(hr, candidate):
    assert hr.has_perm("certify.view_personal_data")
    body = client_for(hr).get("/api/candidates/").json()
    assert body["results"][0]["id_number"] == "11010519491231002X"
    page = client_for(hr).get("/candidates/").content.decode()
    assert "11010519491231002X" in page and "13812345678" in page


def test_an_admin_without_the_permission_sees_masked_personal_data(org, standard, candidate):
    clerk = staff_upsert(username="hr2", full_name="钱芳", role=Role.ADMIN, hall=org.hall, password=PASSWORD)[0]
    clerk.groups.first().permissions.remove(Permission.objects.get(codename="view_personal_data"))
    clerk = type(clerk).objects.get(pk=clerk.pk)  # drop the permission cache
    assert not clerk.has_perm("certify.view_personal_data")
    body = client_for(clerk).get("/api/candidates/").json()
    assert body["results"][0]["id_number"] == "110***********002X"
    assert body["results"][0]["phone"] == "138****5678"
    page = client_for(clerk).get("/candidates/").content.decode()
    assert "11010519491231002X" not in page
    assert "110***********002X" in page
    assert "身份证号和手机号已脱敏显示" in page


def test_the_admin_list_of_candidates_in_django_admin_is_masked(hr, candidate):
    page = client_for(hr).get("/admin/certify/candidate/").content.decode()
    assert "110***********002X" in page
    assert "11010519491231002X" not in page


def test_token_authentication_works_for_the_api(candidate):
    client = Client()
    token = client.post("/api/auth/token/", {"username": "E1001", "password": PASSWORD}).json()["token"]
    response = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert response.json() == {
        "username": "E1001",
        "name": "张丽娜",
        "role": "candidate",
        "role_name": "考生",
        "candidate_id": candidate.pk,
    }


def test_a_bad_token_gets_401(candidate):
    response = Client().get("/api/me/", HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 401

from django.test import Client


def test_the_openapi_schema_describes_the_api(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ["/api/standard/", "/api/standard/versions/", "/api/candidates/{id}/", "/api/me/"]:
        assert path in schema["paths"]


def test_the_interactive_docs_are_served_without_a_cdn(db):
    page = Client().get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page


def test_the_schema_generates_without_warnings(db, tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

"""Certificates: the public verification page (valid / revoked / expired / wrong code / unknown
number, only the masked name, rate-limited), the PDF read back through its QR code, downloads,
the register and a sitting's zip."""

from __future__ import annotations

import io
import subprocess
import zipfile
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.utils import timezone

from certify.people.models import Candidate
from grading.certificates.bundles import bundle_path, bundle_purge, bundle_start
from grading.certificates.models import BundleStatus, Certificate, CertificateBundle
from grading.certificates.pdf import certificate_pdf
from grading.certificates.selectors import certificate_register, mask_name
from grading.certificates.services import certificate_revoke
from grading.results.services import sitting_publish
from grading.tasks import purge_exports
from tests.conftest import client_for
from tests.results_helpers import Plan, after, played_sitting, sign_off_all


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()


@pytest.fixture
def certificate(org, standard, hr):
    sitting = played_sitting(org, {1: Plan(), 2: Plan(objective_share=0.2, situational_share=0.1)}, candidates=2)
    sign_off_all(sitting, hr)
    sitting_publish(sitting=sitting, by=hr, now=after(sitting))
    return Certificate.objects.select_related("candidate").get()


def verify(number, code, client=None):
    return (client or Client()).get("/verify/", {"number": number, "code": code})


def test_names_are_masked_to_the_first_and_last_character():
    assert [mask_name(n) for n in ("张三", "张丽娜", "欧阳小明", "李")] == ["张*", "张*娜", "欧**明", "李*"]


def test_a_valid_certificate_shows_only_the_masked_name_level_dates_and_status(certificate):
    page = verify(certificate.number, certificate.verification_code.lower())
    assert page.status_code == 200
    html = page.content.decode()
    name = certificate.candidate.name
    assert "有效" in html and mask_name(name) in html and "营业五级" in html
    assert certificate.issued_on.strftime("%Y-%m-%d") in html and certificate.valid_until.strftime("%Y-%m-%d") in html
    candidate = certificate.candidate
    for private in (name, candidate.employee_no, candidate.id_number, candidate.phone, candidate.hall.name):
        assert private not in html


def test_a_wrong_code_answers_exactly_like_an_unknown_number(certificate):
    wrong = verify(certificate.number, "ABCDEFGHJKMN")
    unknown = verify("TEST20265999999", "ABCDEFGHJKMN")
    assert wrong.status_code == unknown.status_code == 200
    assert "未查到该证书：请核对证书编号和验证码。" in wrong.content.decode()
    assert wrong.content.decode().replace(certificate.number, "X") == unknown.content.decode().replace(
        "TEST20265999999", "X"
    )


def test_a_revoked_certificate_shows_it_at_once(certificate, hr):
    certificate_revoke(certificate=certificate, by=hr, reason="证书信息有误")
    html = verify(certificate.number, certificate.verification_code).content.decode()
    assert "已撤销" in html and "撤销日期" in html and "证书信息有误" not in html


def test_an_expired_certificate_says_so(certificate):
    # Expired yesterday by Beijing's calendar (the fixture's sitting may be dated after today).
    yesterday = timezone.localdate() - timedelta(days=1)
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_on=yesterday - timedelta(days=3 * 365), valid_until=yesterday
    )
    html = verify(certificate.number, certificate.verification_code).content.decode()
    assert "已过期" in html and "该证书已超过有效期" in html


@override_settings(VERIFY_RATE_PER_ADDRESS="3/minute")
def test_lookups_are_rate_limited_per_client_address(certificate):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert verify(certificate.number, "WRONGCODE234", client).status_code == 200
    limited = verify(certificate.number, certificate.verification_code, client)
    assert limited.status_code == 429 and "查询过于频繁" in limited.content.decode()
    other = Client(REMOTE_ADDR="203.0.113.10")
    assert verify(certificate.number, certificate.verification_code, other).status_code == 200


def test_the_api_answers_404_alike_for_a_wrong_code_and_an_unknown_number(certificate):
    ok = Client().get(
        "/api/certificates/verify/", {"number": certificate.number, "code": certificate.verification_code}
    )
    assert (
        ok.status_code == 200
        and ok.json()["status"] == "valid"
        and ok.json()["masked_name"] == mask_name(certificate.candidate.name)
    )
    wrong = Client().get("/api/certificates/verify/", {"number": certificate.number, "code": "ABCDEFGHJKMN"})
    unknown = Client().get("/api/certificates/verify/", {"number": "NOPE", "code": "ABCDEFGHJKMN"})
    assert wrong.status_code == unknown.status_code == 404 and wrong.json() == unknown.json()
    assert wrong.json() == {"detail": "未查到该证书：请核对证书编号和验证码。"}


def test_the_pdf_embeds_its_font_and_its_qr_code_leads_to_the_verification_page(certificate, tmp_path):
    import zxingcpp
    from PIL import Image

    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(certificate_pdf(certificate))
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYiZenHei" in fonts and " yes yes " in fonts.split("WenQuanYiZenHei", 1)[1].splitlines()[0]
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    image = Image.open(tmp_path / "page.png")
    assert image.size == (1241, 1754)  # A4 at 150 dpi
    [code] = zxingcpp.read_barcodes(image)
    url = urlparse(code.text)
    assert url.path == f"/verify/{certificate.number}/{certificate.verification_code}/"
    page = Client().get(url.path)
    assert page.status_code == 200 and "有效" in page.content.decode()
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in (certificate.candidate.name, "营业五级", certificate.number, "营业员岗位技能认证中心"):
        assert expected in text


def test_the_holder_downloads_their_own_certificate_and_nobody_else_can(certificate, hr):
    own = client_for(certificate.candidate.user).get(f"/certificates/{certificate.number}.pdf")
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf" and own.content.startswith(b"%PDF")
    other = Candidate.objects.exclude(pk=certificate.candidate_id).first()
    assert client_for(other.user).get(f"/certificates/{certificate.number}.pdf").status_code == 404
    assert client_for(hr).get(f"/certificates/{certificate.number}.pdf").status_code == 200


def test_the_register_filters_by_status_and_expiry(certificate, hr):
    client = client_for(hr)
    assert certificate.number in client.get("/certificates/", {"status": "valid"}).content.decode()
    assert certificate.number not in client.get("/certificates/", {"status": "revoked"}).content.decode()
    assert certificate.number not in client.get("/certificates/", {"expiring": "30"}).content.decode()
    assert certificate.number in client.get("/certificates/", {"expiring": str(3 * 366)}).content.decode()
    assert certificate.number not in client.get("/certificates/", {"status": "expired"}).content.decode()
    assert client_for(certificate.candidate.user).get("/certificates/").status_code == 403
    # The day after it lapses it is 已过期, not 有效, and no longer expiring.
    lapsed = certificate.valid_until + timedelta(days=1)
    assert list(certificate_register(status="expired", today=lapsed)) == [certificate]
    assert not certificate_register(status="valid", today=lapsed).exists()
    assert not certificate_register(expiring_within=30, today=lapsed).exists()
    certificate_revoke(certificate=certificate, by=hr, reason="冒名顶替")
    assert certificate.number in client.get("/certificates/", {"status": "revoked"}).content.decode()
    assert certificate.number not in client.get("/certificates/", {"status": "valid"}).content.decode()
    assert not certificate_register(status="expired", today=lapsed).exists()


def test_the_admin_downloads_a_sittings_certificates_as_one_zip(
    certificate, hr, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    client = client_for(hr)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/sittings/{certificate.sitting_id}/certificates/")
    assert started.status_code == 302
    bundle = CertificateBundle.objects.get()
    assert bundle.status == "done" and (bundle.done, bundle.total) == (1, 1)  # in-process on the default
    progress = client.get(f"/sittings/{certificate.sitting_id}/certificates/{bundle.pk}/progress/").json()
    assert progress == {"status": "done", "status_display": "已完成", "done": 1, "total": 1}
    download = client.get(f"/sittings/{certificate.sitting_id}/certificates/{bundle.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert archive.namelist() == [f"{certificate.number}_{certificate.candidate.name}.pdf"]


def test_a_zip_is_refused_for_a_sitting_with_no_valid_certificate(certificate, hr, django_capture_on_commit_callbacks):
    certificate_revoke(certificate=certificate, by=hr, reason="证书信息有误")
    with django_capture_on_commit_callbacks() as enqueued, pytest.raises(ValidationError) as refused:
        bundle_start(sitting=certificate.sitting, by=hr)
    assert refused.value.messages == ["该批次尚无可打包的证书"]
    assert not CertificateBundle.objects.exists() and enqueued == []


def test_the_page_offers_no_zip_for_a_sitting_with_no_valid_certificate_and_refuses_a_forced_post(
    certificate, hr, django_capture_on_commit_callbacks
):
    client = client_for(hr)
    url = f"/sittings/{certificate.sitting_id}/certificates/"
    page = client.get(url).content.decode()
    assert 'data-testid="bundle-start">' in page and "本批次有效证书 1 张" in page
    certificate_revoke(certificate=certificate, by=hr, reason="证书信息有误")
    page = client.get(url).content.decode()
    assert 'data-testid="bundle-start" disabled aria-describedby="bundle-refusal">' in page
    assert '<span id="bundle-refusal" class="muted" data-testid="bundle-refusal">该批次尚无可打包的证书</span>' in page
    # A request that bypasses the disabled button is answered with the same reason, nothing made.
    with django_capture_on_commit_callbacks(execute=True):
        forced = client.post(url)
    assert forced.status_code == 400
    assert '<li data-testid="bundle-error">该批次尚无可打包的证书</li>' in forced.content.decode()
    assert not CertificateBundle.objects.exists()


@override_settings(VERIFY_RATE_PER_ADDRESS="2/minute")
def test_the_verification_api_is_rate_limited_too(certificate):
    client = Client(REMOTE_ADDR="198.51.100.7")
    query = {"number": certificate.number, "code": certificate.verification_code}
    assert [client.get("/api/certificates/verify/", query).status_code for _ in range(3)] == [200, 200, 429]


# --- The zips' retention: kept EXPORT_RETENTION_DAYS after they are made, then the hourly purge
# deletes them; the bundle stays, 已过期, its page offers to make it again and its download says
# why (410), as does a bundle whose file went missing (404), never a 500.


@pytest.fixture
def made(certificate, hr, settings, tmp_path, django_capture_on_commit_callbacks):
    """Two finished bundles of the certificate's sitting (made in-process on the default)."""
    settings.VAR_DIR = tmp_path
    settings.EXPORT_RETENTION_DAYS = 2
    client = client_for(hr)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(f"/sittings/{certificate.sitting_id}/certificates/").status_code == 302
    old, recent = CertificateBundle.objects.order_by("pk")
    assert old.status == recent.status == BundleStatus.DONE
    assert bundle_path(old).exists() and bundle_path(recent).exists()
    return client, old, recent


def test_the_purge_deletes_the_old_zips_and_keeps_the_recent(made):
    _, old, recent = made
    CertificateBundle.objects.filter(pk=old.pk).update(finished_at=old.finished_at - timedelta(days=2, seconds=1))
    assert bundle_purge() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, recent.status) == (BundleStatus.EXPIRED, BundleStatus.DONE)
    assert not bundle_path(old).exists() and bundle_path(recent).exists()
    assert bundle_purge() == 0  # already expired


def test_the_hourly_purge_task_purges_exports_and_certificate_zips(made):
    _, old, recent = made
    CertificateBundle.objects.filter(pk=old.pk).update(finished_at=old.finished_at - timedelta(days=3))
    assert purge_exports() == {"exports": 0, "certificate_bundles": 1}
    assert not bundle_path(old).exists() and bundle_path(recent).exists()


def test_the_page_shows_an_expired_zip_and_the_download_says_so(made, certificate):
    client, old, recent = made
    CertificateBundle.objects.filter(pk=old.pk).update(finished_at=old.finished_at - timedelta(days=3))
    # Before the hourly run: the page itself notices it is past its retention.
    page = client.get(f"/sittings/{certificate.sitting_id}/certificates/").content.decode()
    assert page.count("已过期：证书压缩包超过保留期限（2 天）已删除，请重新生成") == 1
    assert page.count('data-testid="bundle-again"') == 1 and page.count('data-testid="bundle-download"') == 1
    assert not bundle_path(old).exists()
    gone = client.get(f"/sittings/{certificate.sitting_id}/certificates/{old.pk}/download/")
    assert gone.status_code == 410
    assert "已过期：证书压缩包超过保留期限（2 天）已删除，请重新生成" in gone.content.decode()
    assert f"/sittings/{certificate.sitting_id}/certificates/" in gone.content.decode()
    assert client.get(f"/sittings/{certificate.sitting_id}/certificates/{recent.pk}/download/").status_code == 200


def test_a_missing_file_never_breaks_the_page_or_the_download(made, certificate):
    client, _, recent = made
    bundle_path(recent).unlink()
    page = client.get(f"/sittings/{certificate.sitting_id}/certificates/")
    assert page.status_code == 200
    assert "证书压缩包文件已不存在，请重新生成" in page.content.decode()
    missing = client.get(f"/sittings/{certificate.sitting_id}/certificates/{recent.pk}/download/")
    assert missing.status_code == 404
    assert "证书压缩包文件已不存在，请重新生成" in missing.content.decode()
    # The purge of a bundle whose file is already gone marks it expired all the same.
    CertificateBundle.objects.filter(pk=recent.pk).update(finished_at=recent.finished_at - timedelta(days=3))
    assert bundle_purge() == 1
    recent.refresh_from_db()
    assert recent.status == BundleStatus.EXPIRED


def test_a_bundle_not_made_yet_cannot_be_downloaded(made, certificate):
    client, old, _ = made
    CertificateBundle.objects.filter(pk=old.pk).update(status=BundleStatus.RUNNING)
    response = client.get(f"/sittings/{certificate.sitting_id}/certificates/{old.pk}/download/")
    assert response.status_code == 404 and "证书压缩包尚未生成完毕" in response.content.decode()

"""The printable certificate: one A4 page drawn with reportlab.

The Chinese text is set in WenQuanYi Zen Hei (Debian's fonts-wqy-zenhei), a TrueType font that
reportlab subsets and embeds in the file, so the certificate prints the same on every computer
(reportlab's built-in CID fonts are not embedded and depend on the viewer). The QR code links to
the public verification page with the certificate's number and code.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import qrcode
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from grading.certificates.models import Certificate

FONT_NAME = "WenQuanYiZenHei"
FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
]


@cache
def font() -> str:
    """Register the embedded CJK font once per process; its name for ``setFont``."""
    path = next((p for p in [Path(settings.CERTIFICATE_FONT)] if settings.CERTIFICATE_FONT), None)
    path = path or next((p for p in FONT_CANDIDATES if p.exists()), None)
    if path is None or not path.exists():
        raise RuntimeError("证书字体缺失：请安装 Debian 的 fonts-wqy-zenhei（或设置 CERTIFICATE_FONT）")
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    return FONT_NAME


def verification_url(certificate: Certificate) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/verify/{certificate.number}/{certificate.verification_code}/"


def _date(day) -> str:
    return f"{day.year} 年 {day.month} 月 {day.day} 日"


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules (error correction M, 4-module quiet zone). The mask pattern is fixed:
    any of the eight is a valid code, and choosing the "best" costs most of a certificate's time."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, mask_pattern=0)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def draw_qr(pdf: canvas.Canvas, text: str, *, x: float, y: float, size: float) -> None:
    """The QR code as a one-bit image of its modules, one pixel per module, scaled to ``size``
    (viewers do not smooth it: the PDF asks for no interpolation)."""
    matrix = qr_matrix(text)
    n = len(matrix)
    image = Image.new("1", (n, n), 1)
    image.putdata([0 if dark else 1 for line in matrix for dark in line])
    pdf.drawImage(ImageReader(image), x, y, size, size)


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a one-page A4 PDF (see the module docstring)."""
    name = font()
    out = io.BytesIO()
    width, height = A4
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("岗位技能认证证书 %(number)s") % {"number": certificate.number})
    pdf.setAuthor(settings.CERTIFICATE_ISSUER)
    pdf.setLineWidth(2)
    pdf.setStrokeColorRGB(0.55, 0.1, 0.1)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    pdf.setLineWidth(0.6)
    pdf.rect(19 * mm, 19 * mm, width - 38 * mm, height - 38 * mm)

    pdf.setFillColorRGB(0.55, 0.1, 0.1)
    pdf.setFont(name, 30)
    pdf.drawCentredString(width / 2, height - 60 * mm, _("岗位技能认证证书"))
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont(name, 14)
    pdf.drawCentredString(width / 2, height - 72 * mm, _("营业员岗位技能认证"))

    candidate = certificate.candidate
    rows = [
        (_("姓　　名"), candidate.name),
        (_("认证级别"), certificate.get_level_display()),
        (_("证书编号"), certificate.number),
        (_("发证日期"), _date(certificate.issued_on)),
        (_("有效期至"), _date(certificate.valid_until)),
        (_("验 证 码"), certificate.verification_code),
    ]
    y = height - 100 * mm
    for label, value in rows:
        pdf.setFont(name, 15)
        pdf.drawString(45 * mm, y, label)
        pdf.drawString(80 * mm, y, str(value))
        y -= 13 * mm

    pdf.setFont(name, 12)
    pdf.drawString(
        45 * mm,
        y - 4 * mm,
        _("该同志经考核，理论知识与技能操作成绩均合格，特发此证。"),
    )

    draw_qr(pdf, verification_url(certificate), x=35 * mm, y=35 * mm, size=45 * mm)
    pdf.setFont(name, 9)
    pdf.drawString(35 * mm, 31 * mm, _("扫码或访问验证页面核验证书真伪"))

    pdf.setFont(name, 15)
    pdf.drawRightString(width - 35 * mm, 60 * mm, settings.CERTIFICATE_ISSUER)
    pdf.drawRightString(width - 35 * mm, 50 * mm, _date(certificate.issued_on))
    pdf.showPage()
    pdf.save()
    return out.getvalue()

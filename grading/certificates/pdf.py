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

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
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

    size = 45 * mm
    widget = QrCodeWidget(verification_url(certificate), barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, 35 * mm, 35 * mm)
    pdf.setFont(name, 9)
    pdf.drawString(35 * mm, 31 * mm, _("扫码或访问验证页面核验证书真伪"))

    pdf.setFont(name, 15)
    pdf.drawRightString(width - 35 * mm, 60 * mm, settings.CERTIFICATE_ISSUER)
    pdf.drawRightString(width - 35 * mm, 50 * mm, _date(certificate.issued_on))
    pdf.showPage()
    pdf.save()
    return out.getvalue()

"""Writing an export workbook in constant memory: the one place its layout rules live.

openpyxl's write-only mode (lxml installed, so rows are streamed to a temporary file as they
come) never holds more than the current row. Every workbook gets, on each sheet:

- row 1, a title saying what was exported, by whom, when (Asia/Shanghai) and the filters used;
- row 2, the Chinese column headers, bold, frozen (the panes below row 2 scroll) and with an
  autofilter over the header and every data row;
- printed landscape on A4, all columns fitted to the page width, rows 1-2 repeated on every page;
- column widths from the column's declared width and its header (CJK characters count two):
  the rows stream past once, so the widths are decided before the first row is written;
- numbers as numbers (``int``, ``float``, ``Decimal``), dates and times as Excel dates in
  Asia/Shanghai with a date format, codes (工号, 身份证号, 准考证号) as text so no digit or
  leading zero is lost, and text that Excel or WPS could read as a formula (``certify.excel``)
  stored as plain text with a quote prefix.

Masking personal data is the source's business (``grading.exports.sources``): the writer
writes what it is given.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from certify.excel import FORMULA_STARTS, looks_like_formula, write_text

DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class Column:
    """One column: its header, the kind of its values and the width of a typical value.

    ``kind``: ``text`` (written as text, formula-safe), ``number``, ``date``, ``datetime`` (an
    aware datetime, shown in Asia/Shanghai), ``code`` (digits kept as text).
    """

    header: str
    kind: str = "text"
    width: int = 10
    number_format: str = ""


@dataclass
class Sheet:
    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    total: int = 0
    note: str = ""  # shown under the title instead of an empty table, e.g. why there are no rows
    extra: dict = field(default_factory=dict)


def display_width(text: str) -> int:
    """Characters as Excel shows them: CJK and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def local_naive(value: datetime) -> datetime:
    """Excel has no time zones: an aware UTC time becomes the wall-clock time in Asia/Shanghai."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def title_text(*, title: str, by: str, at: datetime, filters: Sequence[tuple[str, str]]) -> str:
    used = "；".join(f"{label}：{value}" for label, value in filters) or _("无")
    return _("%(title)s　导出人：%(by)s　导出时间：%(at)s　筛选条件：%(filters)s") % {
        "title": title,
        "by": by,
        "at": local_naive(at).strftime("%Y-%m-%d %H:%M:%S"),
        "filters": used,
    }


def _converter(sheet, column: Column) -> Callable:
    """A function writing one value of ``column``: plain values go as they are (cheap), the few
    that need a style or a guard go as a ``WriteOnlyCell``."""
    if column.kind == "datetime" or column.kind == "date":
        number_format = column.number_format or (DATETIME_FORMAT if column.kind == "datetime" else DATE_FORMAT)

        def convert(value):
            if value is None or value == "":
                return None
            if isinstance(value, datetime):
                # Shown to the second; a fraction would make the cell differ from what it shows.
                value = local_naive(value).replace(microsecond=0)
                if column.kind == "date":
                    value = value.date()
            elif not isinstance(value, date):
                return str(value)
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = number_format
            return cell

        return convert
    if column.kind == "number":

        def convert(value):
            if value is None or value == "":
                return None
            if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
                if column.number_format:
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = column.number_format
                    return cell
                return value
            return _safe_text(sheet, str(value))

        return convert

    def convert(value):
        # An empty text is a blank cell: written as an empty string it would count as filled in
        # (COUNTA, ISBLANK, the filter's 空白 entry) though nothing shows.
        if value is None or value == "":
            return None
        text = value if isinstance(value, str) else str(value)
        # Most cells of a large export are plain text: the formula check inline (as _safe_text's).
        return _safe_text(sheet, text) if text.startswith(FORMULA_STARTS) else text

    return convert


def _safe_text(sheet, text: str):
    if looks_like_formula(text):
        cell = WriteOnlyCell(sheet)
        write_text(cell, text)
        return cell
    return text


def workbook_write(
    target,
    *,
    title: str,
    by: str,
    at: datetime,
    filters: Sequence[tuple[str, str]],
    sheets: Sequence[Sheet],
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``sheets`` to ``target`` (a path or a binary file); the number of data rows written.

    ``on_progress(rows)`` is called every ``PROGRESS_EVERY`` rows and once at the end.
    """
    workbook = Workbook(write_only=True)
    heading = title_text(title=title, by=by, at=at, filters=filters)
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    written = 0
    for spec in sheets:
        sheet = workbook.create_sheet(spec.name[:31])
        for index, column in enumerate(spec.columns, start=1):
            width = max(display_width(column.header), column.width) + 2
            sheet.column_dimensions[get_column_letter(index)].width = min(width, 80)
        sheet.freeze_panes = "A3"
        # Printed (and as PDF): landscape A4, every column on one page width, as many pages down as
        # needed, the title and header rows repeated on each, so no page holds scores without names.
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.print_title_rows = "1:2"
        title_cell = WriteOnlyCell(sheet)
        write_text(title_cell, heading)
        title_cell.font = bold
        sheet.append([title_cell])
        headers = []
        for column in spec.columns:
            cell = WriteOnlyCell(sheet, value=column.header)
            cell.font = bold
            cell.fill = header_fill
            headers.append(cell)
        sheet.append(headers)
        converters = [_converter(sheet, column) for column in spec.columns]
        pairs = list(enumerate(converters))
        rows = 0
        for row in spec.rows:
            sheet.append([convert(row[index]) for index, convert in pairs])
            rows += 1
            if on_progress is not None and (written + rows) % PROGRESS_EVERY == 0:
                on_progress(written + rows)
        if spec.note and not rows:
            note = WriteOnlyCell(sheet)
            write_text(note, spec.note)
            sheet.append([note])
        last = get_column_letter(max(len(spec.columns), 1))
        sheet.auto_filter.ref = f"A2:{last}{2 + max(rows, 1)}"
        written += rows
    if on_progress is not None:
        on_progress(written)
    workbook.save(target)
    return written

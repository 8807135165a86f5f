"""Reading and writing untrusted Excel files, shared by every import and export.

Uploads are size-limited, checked to be real .xlsx (a zip holding a workbook, not
too large once unpacked), parsed with defusedxml (openpyxl uses it when installed)
and never evaluated: a formula cell is reported as an error. Text that Excel could
read as a formula is written as plain text.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import load_workbook

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = _("第 %(row)s 行") % {"row": self.row} if self.row else ""
        return f"{where}「{self.column}」：{self.message}" if self.column else f"{where}{self.message}"


class FileProblem(Exception):
    """The upload is not a workbook we can read; the message says why."""


def check_xlsx(content: bytes, *, size: int | None = None) -> None:
    size = max(size or 0, len(content))
    if not content:
        raise FileProblem(_("文件是空的"))
    if size > MAX_UPLOAD_BYTES:
        raise FileProblem(
            _("文件过大（%(size).1f MB），上限为 %(limit)s MB")
            % {"size": size / 1048576, "limit": MAX_UPLOAD_BYTES // 1048576}
        )
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileProblem(_("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入"))
    if not content.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(content)):
        raise FileProblem(_("这不是 Excel 文件（.xlsx）：请下载模板填写后上传"))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FileProblem(_("Excel 文件已损坏，无法读取")) from None
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise FileProblem(_("这不是 Excel 文件（.xlsx）：压缩包中没有工作簿"))
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileProblem(_("文件解压后过大，无法导入"))


def cell_text(cell, *, row: int, column: str, errors: list[RowError]) -> str:
    value = cell.value
    if value is None:
        return ""
    if cell.data_type == "f":
        message = _("单元格是公式（%(formula)s），不予计算：请填写纯文本") % {"formula": str(value)[:30]}
        errors.append(RowError(row, column, message))
        return str(value)  # validated as text too, so no misleading "empty" error follows
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(
    content: bytes,
    *,
    columns: list[str],
    required: list[str],
    sheet_name: str,
    max_rows: int,
    size: int | None = None,
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The non-empty data rows of ``sheet_name`` (or the first sheet) as (row number, column → text).

    Raises ``FileProblem`` when the file or its header is unusable; cell-level problems
    (formulas) come back as errors beside the rows.
    """
    check_xlsx(content, size=size)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise FileProblem(_("Excel 文件已损坏或格式不受支持，无法读取")) from None
    try:
        sheet = workbook[sheet_name] if sheet_name in workbook.sheetnames else workbook.worksheets[0]
        rows = sheet.iter_rows()
        header_cells = next(rows, None)
        if header_cells is None:
            raise FileProblem(_("工作表「%(sheet)s」是空的：第 1 行应为列名") % {"sheet": sheet.title})
        header = [str(cell.value).strip() if cell.value is not None else "" for cell in header_cells]
        missing = [column for column in required if column not in header]
        unknown = [name for name in header if name and name not in columns]
        duplicated = sorted({name for name in header if name and header.count(name) > 1})
        problems = []
        if missing:
            problems.append(_("缺少列：%(columns)s") % {"columns": "、".join(missing)})
        if unknown:
            problems.append(_("无法识别的列：%(columns)s") % {"columns": "、".join(unknown)})
        if duplicated:
            problems.append(_("重复的列：%(columns)s") % {"columns": "、".join(duplicated)})
        if problems:
            raise FileProblem(
                "；".join(problems) + _("。第 1 行应为模板的列名：%(columns)s") % {"columns": "、".join(columns)}
            )
        positions = {name: index for index, name in enumerate(header) if name in columns}
        result: list[tuple[int, dict[str, str]]] = []
        errors: list[RowError] = []
        for row_number, cells in enumerate(rows, start=2):
            if row_number - 1 > max_rows:
                raise FileProblem(_("一次最多导入 %(max)s 行") % {"max": max_rows})
            values = {
                name: cell_text(cells[index], row=row_number, column=name, errors=errors) if index < len(cells) else ""
                for name, index in positions.items()
            }
            if any(value.strip() for value in values.values()):
                result.append((row_number, values))
        return result, errors
    finally:
        workbook.close()


def write_text(cell, value) -> None:
    """Write ``value``; text Excel could take for a formula is marked as plain text."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True

"""Reading and writing untrusted Excel files, shared by every import and export.

Uploads are size-limited, checked to be real .xlsx (a zip holding a workbook, not
too large once unpacked, not encrypted), read by ``certify/xlsx_reader.py`` in a child process
under memory and time limits (defusedxml, streaming, every row kept or reported) and never
evaluated: a formula cell is reported as an error. Text that Excel could read as a formula is
written as plain text.
"""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
READER = Path(__file__).resolve().parent / "xlsx_reader.py"
logger = logging.getLogger(__name__)


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
    if content[:8] == OLE_MAGIC:
        # An .xlsx saved with a password to open is an OLE container holding the encrypted package.
        if "EncryptedPackage".encode("utf-16-le") in content or b"EncryptionInfo" in content:
            raise FileProblem(_("文件已加密（设置了打开密码）：请在 Excel 中取消密码后另存为 .xlsx 再导入"))
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


def _fatal_message(code: str, params: dict) -> str:
    messages = {
        "bad_zip": _("Excel 文件已损坏，无法读取"),
        "missing_part": _("Excel 文件不完整：缺少 %(part)s"),
        "no_sheet": _("工作簿中没有工作表"),
        "bad_xml": _("工作表 XML 不完整或已损坏（%(part)s）：请在 Excel 中打开后另存为 .xlsx 再导入"),
        "doctype": _("文件中含有文档类型定义（DTD），出于安全原因不予读取（%(part)s）"),
        "too_many_styles": _("文件中的单元格格式超过 %(limit)s 种，无法导入：请把数据复制到新的工作簿后再导入"),
        "too_many_strings": _("文件中的文字条目超过 %(limit)s 条，无法导入"),
        "bad_row_number": _("工作表中有无效的行号「%(value)s」：请在 Excel 中打开后另存为 .xlsx 再导入"),
        "cell_outside_row": _("工作表 XML 结构不正确：单元格不在任何行中"),
    }
    return messages.get(code, _("Excel 文件已损坏或格式不受支持，无法读取")) % params


def _cell_message(code: str, params: dict) -> str:
    messages = {
        "duplicate_row": _(
            "第 %(row)s 行在工作表中出现了不止一次（行号重复），无法确定以哪一行为准："
            "请在 Excel 中打开后另存为 .xlsx 再导入"
        ),
        "duplicate_cell": _("单元格 %(cell)s 在工作表中出现了不止一次"),
        "bad_reference": _("单元格引用「%(cell)s」与所在的第 %(row)s 行不符"),
        "bad_shared_string": _("单元格 %(cell)s 引用的共享字符串（第 %(index)s 项）不存在"),
        "bad_number": _("单元格 %(cell)s 标为数字，内容却是「%(value)s」"),
        "bad_date": _("单元格 %(cell)s 标为日期，内容「%(value)s」不是日期"),
        "bad_boolean": _("单元格 %(cell)s 标为是/否，内容却是「%(value)s」"),
    }
    return messages.get(code, _("单元格无法读取")) % params


def parse_sheet(content: bytes, *, sheet_name: str) -> dict:
    """The sheet as ``certify/xlsx_reader.py`` reads it, in a child process under memory and
    CPU-time limits (``EXCEL_MEMORY_MB``, ``EXCEL_CPU_SECONDS``): a hostile file costs at most
    that, and only that process. ``FileProblem`` when the child runs out of either."""
    params = {"sheet": sheet_name, "memory_mb": settings.EXCEL_MEMORY_MB, "cpu_seconds": settings.EXCEL_CPU_SECONDS}
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(READER)],
            input=json.dumps(params).encode() + b"\n" + content,
            capture_output=True,
            timeout=settings.EXCEL_CPU_SECONDS * 2 + 5,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise FileProblem(_("读取文件超时：文件过于复杂，无法导入")) from None
    if done.returncode != 0 or not done.stdout:
        logger.warning("the Excel reader failed (%s): %s", done.returncode, done.stderr[-500:])
        raise FileProblem(_("读取文件时超出了内存或时间限制：文件过于复杂，无法导入。请把数据复制到新的工作簿后再导入"))
    return json.loads(done.stdout)


def cell_text(cell: list | None, *, row: int, column: str, errors: list[RowError], text_only: bool = False) -> str:
    """The text of one cell as read by the reader: ``[kind, value]`` (or None when empty)."""
    if cell is None:
        return ""
    kind, value = cell
    if kind == "f":
        message = _("单元格是公式（%(formula)s），不予计算：请填写纯文本") % {"formula": str(value)[:30]}
        errors.append(RowError(row, column, message))
        return str(value)  # validated as text too, so no misleading "empty" error follows
    if kind == "e":
        errors.append(RowError(row, column, _("单元格是错误值（%(value)s）") % {"value": str(value)[:20]}))
        return ""
    if text_only and kind != "s":
        # 330106198503142374 stored as a number comes back as 330106198503142016.
        errors.append(RowError(row, column, _("单元格是数字，长数字会丢失精度：请将此列设置为文本格式后重新填写")))
        return ""
    if kind == "b":
        return "是" if value else "否"
    if kind == "n":
        number = str(value)
        if re.fullmatch(r"-?[0-9]+\.0+", number):
            return number.split(".")[0]
        return number
    return str(value)


def read_table(
    content: bytes,
    *,
    columns: list[str],
    required: list[str],
    sheet_name: str,
    max_rows: int,
    size: int | None = None,
    text_only: tuple[str, ...] = (),
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The non-empty data rows of ``sheet_name`` (or the first sheet) as (row number, column → text).

    Every row of the sheet is either returned or reported: rows are kept by their own number
    (written out of order they are sorted; a number written twice is an error), and a cell that
    cannot be read is an error naming it. ``text_only`` columns refuse numeric cells (long
    numbers lose precision in Excel). Raises ``FileProblem`` when the file or its header is unusable.
    """
    check_xlsx(content, size=size)
    sheet = parse_sheet(content, sheet_name=sheet_name)
    errors: list[RowError] = []
    for code, params in sheet["problems"]:
        if "row" not in params:
            raise FileProblem(_fatal_message(code, params))
        errors.append(RowError(params["row"], "", _cell_message(code, params)))
    rows = sheet["rows"]
    if not rows or rows[0][0] != 1:
        raise FileProblem(_("工作表「%(sheet)s」的第 1 行应为列名") % {"sheet": sheet["sheet"] or sheet_name})
    header_cells = rows[0][1]
    width = max((int(index) for index in header_cells), default=0)
    header = [str(header_cells.get(str(i), ["s", ""])[1]).strip() for i in range(1, width + 1)]
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
    positions = {name: index + 1 for index, name in enumerate(header) if name in columns}
    data = [(number, cells) for number, cells in rows[1:] if cells]
    if len(data) > max_rows:
        raise FileProblem(_("一次最多导入 %(max)s 行，文件中有 %(n)s 行") % {"max": max_rows, "n": len(data)})
    result: list[tuple[int, dict[str, str]]] = []
    for row_number, cells in data:
        values = {
            name: cell_text(
                cells.get(str(index)), row=row_number, column=name, errors=errors, text_only=name in text_only
            )
            for name, index in positions.items()
        }
        if any(value.strip() for value in values.values()):
            result.append((row_number, values))
    return result, errors


def upload_problem(form) -> str:
    """Why an upload form with a ``file`` field was refused, in words (an empty file says so)."""
    upload = form.files.get("file")
    if upload is not None and upload.size == 0:
        return _("文件是空的")
    if upload is None:
        return _("请选择要上传的 Excel 文件（.xlsx）")
    return "；".join(str(error) for errors in form.errors.values() for error in errors)


def looks_like_formula(value) -> bool:
    """Text that Excel or WPS would read as a formula (or a DDE call) if written as it is."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def write_text(cell, value) -> None:
    """Write ``value``; text Excel could take for a formula is marked as plain text."""
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True

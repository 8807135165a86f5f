"""A streaming reader of one worksheet of an untrusted .xlsx, run in a child process.

``certify.excel.read_table`` runs this file as a script (``python certify/xlsx_reader.py``:
it imports neither Django nor openpyxl) under a memory limit (``RLIMIT_AS``) and a CPU-time
limit, gives it the workbook on stdin and a JSON line of parameters, and reads one JSON
document back. A hostile workbook can at worst make this process fail, never the web process.

Why not openpyxl here: its read-only mode silently drops rows whose number is out of order or
repeated in the sheet XML, trusts the ``<dimension>`` element (a lying one drops rows too),
builds every style object of ``styles.xml`` (700,000 formats cost half a gigabyte) and raises
from the middle of the row iteration on a malformed cell. This reader keeps every row by its
own number, reports repeats, reads from ``styles.xml`` only which formats are dates (and refuses
more than Excel's own limit of formats), and reports each malformed cell by its reference.

Output: ``{"sheet": name, "rows": [[row number, {column index: [kind, value]}], …],
"problems": [[code, {params}], …]}`` where kind is ``s`` (text), ``n`` (number, as written),
``b``, ``d`` (a date, ISO), ``f`` (a formula, its text) or ``e`` (an error value). A problem
whose params have no ``cell`` is fatal (``rows`` is then empty); the parent words each code.
"""

from __future__ import annotations

import json
import re
import resource
import sys
import zipfile
from datetime import datetime, timedelta
from io import BytesIO
from posixpath import join, normpath
from xml.etree.ElementTree import XMLPullParser

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAX_STYLES = 64000  # Excel's own limit of cell formats per workbook
MAX_SHARED_STRINGS = 2_000_000
MAX_ROW = 1_048_576
MAX_COLUMN = 16_384
CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
# Built-in number formats that are dates or times (ECMA-376 18.8.30).
DATE_FORMAT_IDS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47}
DATE_CODE = re.compile(r"(?<![\\\"])[ymdhs]", re.IGNORECASE)


class Fatal(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


def column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _parse(archive: zipfile.ZipFile, name: str):
    """End events of the part ``name``, streamed through expat's C parser.

    Like defusedxml (whose pure-Python parser is ten times slower), a part with a document type
    declaration is refused: entities, internal or external, can only be declared there. Expat
    itself bounds entity amplification, and ElementTree never fetches external resources."""
    try:
        stream = archive.open(name)
    except KeyError:
        raise Fatal("missing_part", part=name) from None
    return _events(stream, name)


PROLOG_LIMIT = 1 << 20
PROLOG_NOISE = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)
ROOT_START = re.compile(rb"<[A-Za-z_]")


def _events(stream, name: str):
    parser = XMLPullParser(events=("end",))
    prolog = b""  # everything before the root element: where a DOCTYPE would have to be
    with stream:
        while chunk := stream.read(1 << 16):
            if prolog is not None:
                prolog += chunk
                visible = PROLOG_NOISE.sub(b"", prolog)  # comments and processing instructions
                if b"<!DOCTYPE" in visible.upper() or b"<!ENTITY" in visible.upper():
                    raise Fatal("doctype", part=name)
                if ROOT_START.search(visible) and b"<!--" not in visible:
                    prolog = None
                elif len(prolog) > PROLOG_LIMIT:
                    raise Fatal("bad_xml", part=name, detail="prolog")
            parser.feed(chunk)
            yield from parser.read_events()
        parser.close()
        yield from parser.read_events()


def _guard(part: str, events):
    """The parser's events; a parse error anywhere (a truncated part) is one fatal problem."""
    try:
        yield from events
    except (Fatal, MemoryError):
        raise  # out of memory is the parent's to report: the limit, not a broken file
    except Exception as exc:  # expat and zlib raise several kinds
        raise Fatal("bad_xml", part=part, detail=str(exc)[:120]) from None


def sheet_part(archive: zipfile.ZipFile, wanted: str) -> tuple[str, str]:
    """(sheet name, zip path) of ``wanted`` or the first sheet."""
    sheets = []
    for _event, element in _guard("xl/workbook.xml", _parse(archive, "xl/workbook.xml")):
        if element.tag == f"{MAIN}sheet":
            sheets.append((element.get("name", ""), element.get(f"{REL}id", "")))
    if not sheets:
        raise Fatal("no_sheet")
    name, rel_id = next((sheet for sheet in sheets if sheet[0] == wanted), sheets[0])
    targets = {}
    for _event, element in _guard("xl/_rels/workbook.xml.rels", _parse(archive, "xl/_rels/workbook.xml.rels")):
        if element.tag == f"{PKG_REL}Relationship":
            targets[element.get("Id")] = element.get("Target", "")
    target = targets.get(rel_id)
    if not target:
        raise Fatal("missing_part", part=f"sheet {name}")
    path = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
    return name, path


def shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    for _event, element in _guard("xl/sharedStrings.xml", _parse(archive, "xl/sharedStrings.xml")):
        if element.tag != f"{MAIN}si":
            continue
        parts = []
        for child in element:  # a plain <t>, or rich-text runs <r><t>; phonetic runs <rPh> are not text
            if child.tag == f"{MAIN}t":
                parts.append(child.text or "")
            elif child.tag == f"{MAIN}r":
                parts.extend(t.text or "" for t in child.iter(f"{MAIN}t"))
        strings.append("".join(parts))
        element.clear()
        if len(strings) > MAX_SHARED_STRINGS:
            raise Fatal("too_many_strings", limit=MAX_SHARED_STRINGS)
    return strings


def date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell formats (cellXfs) that show a date or time."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    custom_dates: set[int] = set()
    formats: list[int] = []
    for _event, element in _guard("xl/styles.xml", _parse(archive, "xl/styles.xml")):
        tag = element.tag
        if tag == f"{MAIN}numFmt":
            code = re.sub(r"\[[^\]]*\]|\"[^\"]*\"", "", element.get("formatCode", ""))
            if DATE_CODE.search(code):
                custom_dates.add(_int(element.get("numFmtId")))
        elif tag == f"{MAIN}xf":
            formats.append(_int(element.get("numFmtId")))
        elif tag == f"{MAIN}cellXfs":
            break  # the cell formats are read: the rest of the part does not matter
        elif tag == f"{MAIN}cellStyleXfs":
            formats = []  # those were the named styles' formats, not the cells'
        if len(formats) > MAX_STYLES:
            raise Fatal("too_many_styles", limit=MAX_STYLES)
    return {index for index, fmt in enumerate(formats) if fmt in DATE_FORMAT_IDS or fmt in custom_dates}


def _int(value) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def excel_date(serial: float) -> str:
    value = datetime(1899, 12, 30) + timedelta(days=serial)
    return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")


def read(content: bytes, sheet: str) -> dict:
    problems: list = []
    with zipfile.ZipFile(BytesIO(content)) as archive:
        name, path = sheet_part(archive, sheet)
        strings = shared_strings(archive)
        dates = date_styles(archive)
        rows: dict[int, dict[int, list]] = {}
        row_number = 0
        for _event, element in _guard(path, _parse(archive, path)):
            if element.tag == f"{MAIN}sheetData" and any(child.tag == f"{MAIN}c" for child in element):
                raise Fatal("cell_outside_row")
            if element.tag != f"{MAIN}row":
                continue
            raw = element.get("r")
            try:
                row_number = int(raw) if raw is not None else row_number + 1
            except ValueError:
                raise Fatal("bad_row_number", value=raw[:20]) from None
            if not 1 <= row_number <= MAX_ROW:
                raise Fatal("bad_row_number", value=str(raw)[:20])
            if row_number in rows:
                problems.append(["duplicate_row", {"row": row_number}])
            cells = rows.setdefault(row_number, {})
            column = 0
            for cell in element:
                if cell.tag != f"{MAIN}c":
                    continue
                reference = cell.get("r")
                if reference:
                    match = CELL_REF.match(reference)
                    if not match or int(match.group(2)) != row_number:
                        problems.append(["bad_reference", {"cell": reference[:12], "row": row_number}])
                        continue
                    column = column_index(match.group(1))
                else:
                    column += 1
                    reference = f"{column_letters(column)}{row_number}"
                if column > MAX_COLUMN:
                    problems.append(["bad_reference", {"cell": reference, "row": row_number}])
                elif column in cells:
                    problems.append(["duplicate_cell", {"cell": reference, "row": row_number}])
                else:
                    parsed = _cell(cell, strings, dates, reference, row_number, problems)
                    if parsed is not None:
                        cells[column] = parsed
            element.clear()
        ordered = [[number, rows[number]] for number in sorted(rows) if rows[number]]
        return {"sheet": name, "rows": ordered, "problems": problems}


def _cell(cell, strings, dates, reference, row, problems):
    attrs = cell.attrib
    value_element = cell.find(f"{MAIN}v")
    value = None if value_element is None else (value_element.text or "")
    formula_element = cell.find(f"{MAIN}f")
    formula = None if formula_element is None else (formula_element.text or "")
    inline_element = cell.find(f"{MAIN}is")
    inline = [] if inline_element is None else [t.text or "" for t in inline_element.iter(f"{MAIN}t")]
    kind = attrs.get("t", "n")
    where = {"cell": reference, "row": row}
    if formula is not None:
        return ["f", "=" + formula]
    if kind == "inlineStr":
        return ["s", "".join(inline)] if inline else None
    if value is None:
        return None
    if kind == "s":
        try:
            return ["s", strings[int(value)]]
        except (ValueError, IndexError):
            problems.append(["bad_shared_string", {**where, "index": value[:20]}])
            return None
    if kind in ("str", "e"):
        return ["s" if kind == "str" else "e", value]
    if kind == "b":
        if value not in ("0", "1"):
            problems.append(["bad_boolean", {**where, "value": value[:20]}])
            return None
        return ["b", value == "1"]
    if kind == "d":
        try:
            return ["d", datetime.fromisoformat(value.strip()).date().isoformat()]
        except ValueError:
            problems.append(["bad_date", {**where, "value": value[:20]}])
            return None
    try:
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError
    except ValueError:
        problems.append(["bad_number", {**where, "value": value[:20]}])
        return None
    try:
        style = int(attrs.get("s", "0") or 0)
    except ValueError:
        style = 0
    if style in dates:
        try:
            return ["d", excel_date(number)]
        except (OverflowError, ValueError):
            problems.append(["bad_date", {**where, "value": value[:20]}])
            return None
    return ["n", value.strip()]


def main() -> None:
    params = json.loads(sys.stdin.buffer.readline())
    # Limit this process before it touches the untrusted bytes.
    memory = int(params.get("memory_mb", 512)) * 1024 * 1024
    cpu = int(params.get("cpu_seconds", 20))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    content = sys.stdin.buffer.read()
    try:
        result = read(content, params.get("sheet", ""))
    except Fatal as fatal:
        result = {"sheet": "", "rows": [], "problems": [[fatal.code, fatal.params]]}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError):
        result = {"sheet": "", "rows": [], "problems": [["bad_zip", {}]]}
    sys.stdout.write(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

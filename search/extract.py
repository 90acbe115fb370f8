"""The text of an attachment, for search: PDF (pypdf), Word, Excel and PowerPoint (OOXML),
CSV and plain text. Images and the older OLE formats have none. Reading stops at
``MAX_CHARS``; a file that cannot be read gives no text and the reason."""

from __future__ import annotations

import codecs
import io
import logging

logger = logging.getLogger(__name__)

MAX_CHARS = 100_000
# Files are read up to this many bytes (attachments are at most BANSO_ATTACHMENT_MAX_BYTES).
MAX_FILE_BYTES = 32 * 1024 * 1024
_TEXT_TYPES = {"text/plain", "text/csv"}
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


class _Collector:
    """Pieces of text up to MAX_CHARS; ``full`` once the limit is reached."""

    def __init__(self):
        self.pieces: list[str] = []
        self.size = 0

    @property
    def full(self) -> bool:
        return self.size >= MAX_CHARS

    def add(self, text) -> None:
        if text and not self.full:
            text = str(text)[: MAX_CHARS - self.size]
            self.pieces.append(text)
            self.size += len(text) + 1

    def text(self) -> str:
        return "\n".join(self.pieces)


def _pdf(data: bytes, out: _Collector) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")
    for page in reader.pages:
        out.add(page.extract_text())
        if out.full:
            return


def _docx(data: bytes, out: _Collector) -> None:
    import docx

    document = docx.Document(io.BytesIO(data))
    for paragraph in document.paragraphs:
        out.add(paragraph.text)
    for table in document.tables:
        for row in table.rows:
            out.add(" ".join(cell.text for cell in row.cells))
            if out.full:
                return


def _xlsx(data: bytes, out: _Collector) -> None:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            out.add(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                out.add(" ".join(str(value) for value in row if value is not None))
                if out.full:
                    return
    finally:
        book.close()


def _pptx(data: bytes, out: _Collector) -> None:
    import pptx

    presentation = pptx.Presentation(io.BytesIO(data))
    for slide in presentation.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                out.add(shape.text_frame.text)
        if out.full:
            return


def _plain(data: bytes, out: _Collector) -> None:
    for encoding in ("utf-8-sig", "cp932", "euc_jp"):
        try:
            out.add(codecs.decode(data[: MAX_CHARS * 4], encoding))
            return
        except UnicodeDecodeError:
            continue
    out.add(data[: MAX_CHARS * 4].decode("utf-8", errors="replace"))


READERS = {"application/pdf": _pdf, _DOCX: _docx, _XLSX: _xlsx, _PPTX: _pptx}


def text_of(data: bytes, content_type: str) -> tuple[str, str]:
    """The text of a file of ``content_type`` (as the attachment checks decided it), and
    an error ("" when read)."""
    reader = READERS.get(content_type) or (_plain if content_type in _TEXT_TYPES else None)
    if reader is None:
        return "", ""
    out = _Collector()
    try:
        reader(data, out)
    except Exception as exc:  # a broken file is the uploader's, never a crash of search
        logger.info("no text from a %s attachment: %s", content_type, exc)
        return out.text(), f"{type(exc).__name__}: {exc}"[:200]
    return out.text(), ""

"""Attachment checks: the type is decided by the content, not the name.

Allowed: PDF, images (PNG, JPEG, GIF, WebP), Office documents (OOXML and the
older OLE formats), CSV and plain text. The name is sanitised and its
extension must agree with the content, so a program renamed to ``.pdf`` is
refused, and so is a PDF calling itself ``.png``.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _

OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", {".docx"}),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", {".pptx"}),
}
OLE_EXTENSIONS = {".doc", ".xls", ".ppt"}
# A saved e-mail is text too (the original of a reply by mail is kept as one).
TEXT_EXTENSIONS = {".txt": "text/plain", ".csv": "text/csv", ".md": "text/plain", ".eml": "message/rfc822"}


class AttachmentRefused(ValueError):
    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(f"{name}: {message}")


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str
    file: File  # at its start, for the storage to save in chunks


CHUNK = 64 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "BANSO_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))


def max_files() -> int:
    """How many files one request (one filing, one message) may carry."""
    return int(getattr(settings, "BANSO_MAX_FILES_PER_REQUEST", 10))


def too_many_files_message() -> str:
    return _("一度に添付できるファイルは%(max)d個までです") % {"max": max_files()}


def too_big_message() -> str:
    return _("ファイルが大きすぎます（上限 %(mb)d MB）") % {"mb": max_bytes() // (1024 * 1024)}


def sanitise_name(raw: str) -> str:
    """A safe display and download name: no path, no control characters, bounded length."""
    name = unicodedata.normalize("NFKC", raw or "").replace("\\", "/").split("/")[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name).strip(" .")
    if not name:
        name = "attachment"
    stem, extension = os.path.splitext(name)
    return stem[: 180 - len(extension[:20])] + extension[:20].lower()


def _sniff(head: bytes, source) -> tuple[str, set[str]] | None:
    """(content type, extensions that may carry it), or None when not allowed.
    ``head`` is the start of the file; ``source`` the whole file, read in chunks."""
    if head.startswith(b"%PDF-"):
        return "application/pdf", {".pdf"}
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", {".png"}
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", {".jpg", ".jpeg"}
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif", {".gif"}
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp", {".webp"}
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/vnd.ms-office", OLE_EXTENSIONS
    if head.startswith(b"PK\x03\x04"):
        source.seek(0)
        try:
            # Reads the central directory at the end, not the whole archive.
            with zipfile.ZipFile(source) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            return None
        if "[Content_Types].xml" in names:
            for prefix, (content_type, extensions) in OOXML.items():
                if any(entry.startswith(prefix) for entry in names):
                    return content_type, extensions
        return None
    if _is_text(source):
        return "text/plain", set(TEXT_EXTENSIONS)
    return None


def _is_text(source) -> bool:
    """No NUL byte, and UTF-8 or Shift_JIS (cp932) throughout, decoded chunk by chunk."""
    for encoding in ("utf-8", "cp932"):
        source.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _declared_size(content) -> int | None:
    if isinstance(content, bytes | bytearray):
        return len(content)
    size = getattr(content, "size", None)
    return size if isinstance(size, int) else None


def check_upload(raw_name: str, content) -> CheckedFile:
    """Check one uploaded file; raise ``AttachmentRefused`` with a message a person can act on.

    ``content`` is bytes or a binary file object (an ``UploadedFile``, which
    Django spools to a temporary file). The size is judged from the upload's
    own size before anything is read; the file is then read in chunks for its
    digest and type, never whole into memory."""
    name = sanitise_name(raw_name)
    limit = max_bytes()
    declared = _declared_size(content)
    if declared is not None and declared > limit:
        raise AttachmentRefused(name, too_big_message())
    source = io.BytesIO(content) if isinstance(content, bytes | bytearray) else content
    source.seek(0)
    digest, size, head = hashlib.sha256(), 0, b""
    for chunk in iter(lambda: source.read(CHUNK), b""):
        size += len(chunk)
        if size > limit:  # a size that was not what it said
            raise AttachmentRefused(name, too_big_message())
        digest.update(chunk)
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
    if not size:
        raise AttachmentRefused(name, _("空のファイルは添付できません"))
    sniffed = _sniff(head, source)
    if sniffed is None:
        raise AttachmentRefused(
            name,
            _("この種類のファイルは添付できません。PDF、画像、Office文書、CSV、テキストのみ可能です"),
        )
    content_type, extensions = sniffed
    extension = os.path.splitext(name)[1].lower()
    if extension not in extensions:
        raise AttachmentRefused(
            name,
            _("ファイル名の拡張子（%(extension)s）が内容（%(content_type)s）と一致しません")
            % {"extension": extension or _("なし"), "content_type": content_type},
        )
    if content_type == "text/plain":
        content_type = TEXT_EXTENSIONS[extension]
    source.seek(0)
    return CheckedFile(
        name=name,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        file=source if isinstance(source, File) else File(source, name=name),
    )

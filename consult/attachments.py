"""Attachment checks: the type is decided by the content, not the name.

Allowed: PDF, images (PNG, JPEG, GIF, WebP), Office documents (OOXML and the
older OLE formats), CSV and plain text. The name is sanitised and its
extension must agree with the content, so a program renamed to ``.pdf`` is
refused, and so is a PDF calling itself ``.png``.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", {".docx"}),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", {".pptx"}),
}
OLE_EXTENSIONS = {".doc", ".xls", ".ppt"}
TEXT_EXTENSIONS = {".txt": "text/plain", ".csv": "text/csv", ".md": "text/plain"}


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
    content: bytes


def max_bytes() -> int:
    return int(getattr(settings, "BANSO_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))


def sanitise_name(raw: str) -> str:
    """A safe display and download name: no path, no control characters, bounded length."""
    name = unicodedata.normalize("NFKC", raw or "").replace("\\", "/").split("/")[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name).strip(" .")
    if not name:
        name = "attachment"
    stem, extension = os.path.splitext(name)
    return stem[: 180 - len(extension[:20])] + extension[:20].lower()


def _sniff(content: bytes) -> tuple[str, set[str]] | None:
    """(content type, extensions that may carry it), or None when not allowed."""
    head = content[:16]
    if head.startswith(b"%PDF-"):
        return "application/pdf", {".pdf"}
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", {".png"}
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", {".jpg", ".jpeg"}
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif", {".gif"}
    if head.startswith(b"RIFF") and content[8:12] == b"WEBP":
        return "image/webp", {".webp"}
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/vnd.ms-office", OLE_EXTENSIONS
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            for prefix, (content_type, extensions) in OOXML.items():
                if any(entry.startswith(prefix) for entry in names):
                    return content_type, extensions
        return None
    if b"\x00" in content:
        return None
    for encoding in ("utf-8", "cp932"):
        try:
            content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return "text/plain", set(TEXT_EXTENSIONS)
    return None


def check_upload(raw_name: str, content: bytes) -> CheckedFile:
    """Check one uploaded file; raise ``AttachmentRefused`` with a message a person can act on."""
    name = sanitise_name(raw_name)
    limit = max_bytes()
    if len(content) > limit:
        raise AttachmentRefused(name, _("ファイルが大きすぎます（上限 %(mb)d MB）") % {"mb": limit // (1024 * 1024)})
    if not content:
        raise AttachmentRefused(name, _("空のファイルは添付できません"))
    sniffed = _sniff(content)
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
    return CheckedFile(
        name=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )

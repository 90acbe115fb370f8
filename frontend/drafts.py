"""Filing drafts: what a person has entered on the new-consultation form,
kept server-side between the form, the check page and filing.

Uploaded files cannot be put back into a browser's file input, so they are
kept here from the first POST that carries them (never in a public folder).
A draft is a directory ``<drafts dir>/<uuid>/`` with ``draft.json`` and one
``<file id>.bin`` per file; its id is kept in the session. Filing consumes the
draft by renaming its directory, which the filesystem does atomically: of two
POSTs of the same draft (a double click, a refresh) only one finds it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from consult.attachments import sanitise_name

SESSION_KEY = "filing_draft"
MAX_AGE_SECONDS = 24 * 3600  # a draft untouched for a day is abandoned
MAX_FILES = 10
_ID = re.compile(r"^[0-9a-f]{32}$")
_META = "draft.json"


def drafts_dir() -> Path:
    return Path(getattr(settings, "BANSO_DRAFTS_DIR", Path(settings.VAR_DIR) / "drafts"))


@dataclass
class Draft:
    id: str
    owner: int
    path: Path
    data: dict = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)  # {"id", "name", "size"}
    checked: bool = False  # the form was valid when last submitted
    revision: int = 0

    # --- creating, finding, saving -----------------------------------------------------

    @classmethod
    def create(cls, user) -> Draft:
        sweep()
        draft_id = uuid.uuid4().hex
        path = drafts_dir() / draft_id
        path.mkdir(parents=True, mode=0o700)
        draft = cls(id=draft_id, owner=user.pk, path=path)
        draft.save()
        return draft

    @classmethod
    def load(cls, draft_id: str | None, user, *, path: Path | None = None) -> Draft | None:
        """The draft if it exists and belongs to ``user``."""
        if not draft_id or not _ID.match(str(draft_id)):
            return None
        path = path or drafts_dir() / draft_id
        try:
            meta = json.loads((path / _META).read_text("utf-8"))
        except (FileNotFoundError, NotADirectoryError, ValueError):
            return None
        if meta.get("owner") != user.pk:
            return None
        return cls(
            id=draft_id,
            owner=meta["owner"],
            path=path,
            data=meta.get("data", {}),
            files=meta.get("files", []),
            checked=meta.get("checked", False),
            revision=meta.get("revision", 0),
        )

    @classmethod
    def of_session(cls, request) -> Draft | None:
        return cls.load(request.session.get(SESSION_KEY), request.user)

    @classmethod
    def for_request(cls, request) -> Draft:
        """The session's draft, or a new one remembered in the session."""
        draft = cls.of_session(request)
        if draft is None:
            draft = cls.create(request.user)
            request.session[SESSION_KEY] = draft.id
        return draft

    def save(self) -> None:
        self.revision += 1
        meta = {
            "owner": self.owner,
            "data": self.data,
            "files": self.files,
            "checked": self.checked,
            "revision": self.revision,
        }
        temporary = self.path / f".{_META}.{uuid.uuid4().hex}"
        temporary.write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        os.replace(temporary, self.path / _META)

    @property
    def token(self) -> str:
        """What the check page posts back: this draft, as it was shown."""
        return f"{self.id}:{self.revision}"

    # --- files ----------------------------------------------------------------------------

    def add_file(self, upload) -> dict:
        """Keep an uploaded file (a Django UploadedFile), streamed to disk in chunks."""
        file_id = uuid.uuid4().hex
        size = 0
        with open(self.path / f"{file_id}.bin", "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
                size += len(chunk)
        entry = {"id": file_id, "name": sanitise_name(upload.name), "raw_name": upload.name, "size": size}
        self.files.append(entry)
        return entry

    def remove_files(self, file_ids) -> None:
        wanted = set(file_ids)
        for entry in [f for f in self.files if f["id"] in wanted]:
            (self.path / f"{entry['id']}.bin").unlink(missing_ok=True)
            self.files.remove(entry)

    def read(self, entry: dict) -> bytes:
        return (self.path / f"{entry['id']}.bin").read_bytes()

    def delete(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


@dataclass
class Consumed:
    """A draft taken for filing: nobody else can take it. ``restore`` puts it
    back (filing refused it), ``delete`` removes it (filed)."""

    draft: Draft
    original: Path

    def restore(self) -> None:
        os.rename(self.draft.path, self.original)
        self.draft.path = self.original

    def delete(self) -> None:
        self.draft.delete()


def consume(token: str, user) -> Consumed | None:
    """Take the draft named by ``token`` (id:revision) for filing, once.
    None when it is gone (filed already, discarded, stale) or was changed since."""
    draft_id, _, revision = (token or "").partition(":")
    if not _ID.match(draft_id):
        return None
    original = drafts_dir() / draft_id
    taken = drafts_dir() / f"{draft_id}.filing-{uuid.uuid4().hex}"
    draft = Draft.load(draft_id, user)
    if draft is None or str(draft.revision) != revision:
        return None
    try:
        os.rename(original, taken)  # atomic: the second of two POSTs fails here
    except FileNotFoundError:
        return None
    draft = Draft.load(draft_id, user, path=taken)
    if draft is None or str(draft.revision) != revision:  # changed between the check and the rename
        if draft is not None:
            os.rename(taken, original)
        return None
    return Consumed(draft=draft, original=original)


def sweep(max_age: int = MAX_AGE_SECONDS) -> int:
    """Remove abandoned drafts (and leftovers of interrupted filings). Returns how many."""
    root = drafts_dir()
    if not root.exists():
        return 0
    limit = time.time() - max_age
    removed = 0
    for entry in root.iterdir():
        try:
            touched = max([entry.stat().st_mtime, *(child.stat().st_mtime for child in entry.iterdir())])
        except (FileNotFoundError, NotADirectoryError):
            continue
        if touched < limit:
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed

"""Filing drafts: what a person has entered on the new-consultation form,
kept server-side between the form, the check page and filing.

Uploaded files cannot be put back into a browser's file input, so they are
kept with the draft from the first POST that carries them. A draft and its files
are rows in the database (frontend.models) and the files' contents are in the
attachments' shared storage, streamed in chunks (never read whole into memory),
so any web host serves the next request; its id is kept in the session and it is
only ever read for its owner. A file row's stored file is removed with the row
(frontend.signals).
Filing takes the draft with one conditional UPDATE: of two POSTs of the same
draft (a double click, a refresh, two hosts) only one finds it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction
from django.utils import timezone

from consult.attachments import sanitise_name

from .models import FilingDraft, FilingDraftFile

SESSION_KEY = "filing_draft"
MAX_AGE_SECONDS = 24 * 3600  # a draft untouched for a day is abandoned
MAX_FILES = 10
_ID = re.compile(r"^[0-9a-f]{32}$")


def _fresh_since() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=MAX_AGE_SECONDS)


@dataclass
class Draft:
    id: str
    owner: int
    data: dict = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)  # {"id", "name", "raw_name", "size"}
    checked: bool = False  # the form was valid when last submitted
    revision: int = 0
    _stored: dict[str, FilingDraftFile] | None = field(default=None, repr=False)

    # --- creating, finding, saving -----------------------------------------------------

    @classmethod
    def create(cls, user) -> Draft:
        sweep()
        row = FilingDraft.objects.create(owner_id=user.pk, updated_at=timezone.now())
        return cls(id=row.id.hex, owner=user.pk)

    @classmethod
    def load(cls, draft_id: str | None, user, *, taken: bool = False) -> Draft | None:
        """The draft if it exists, has not expired and belongs to ``user``."""
        if not draft_id or not _ID.match(str(draft_id)):
            return None
        row = FilingDraft.objects.filter(
            pk=draft_id, owner_id=user.pk, filing=taken, updated_at__gte=_fresh_since()
        ).first()
        if row is None:
            return None
        files = FilingDraftFile.objects.filter(draft_id=row.pk).values_list("id", "name", "raw_name", "size")
        return cls(
            id=row.id.hex,
            owner=row.owner_id,
            data=row.data,
            files=[{"id": pk.hex, "name": name, "raw_name": raw, "size": size} for pk, name, raw, size in files],
            checked=row.checked,
            revision=row.revision,
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
        # The revision is counted in the row, so two tabs saving at once never
        # leave two different drafts behind the same check-page token.
        with transaction.atomic():
            current = (
                FilingDraft.objects.select_for_update()
                .filter(pk=self.id, owner_id=self.owner)
                .values_list("revision", flat=True)
                .first()
            )
            if current is None:
                return  # filed or discarded meanwhile (another tab): nothing to keep
            self.revision = current + 1
            FilingDraft.objects.filter(pk=self.id).update(
                data=self.data, checked=self.checked, revision=self.revision, updated_at=timezone.now()
            )

    @property
    def token(self) -> str:
        """What the check page posts back: this draft, as it was shown."""
        return f"{self.id}:{self.revision}"

    # --- files ----------------------------------------------------------------------------

    def add_file(self, upload) -> dict:
        """Keep an uploaded file (a Django UploadedFile, at most the attachment limit),
        copied to the storage in chunks."""
        row = FilingDraftFile(
            draft_id=self.id,
            name=sanitise_name(upload.name),
            raw_name=upload.name,
            size=upload.size,
            created_at=timezone.now(),
        )
        row.file.save(upload.name, upload, save=False)  # the stored name is random (draft_file_name)
        try:
            row.save(force_insert=True)
        except BaseException:
            row.file.delete(save=False)  # no row (the draft went meanwhile): no file left behind
            raise
        entry = {"id": row.id.hex, "name": row.name, "raw_name": row.raw_name, "size": row.size}
        self.files.append(entry)
        return entry

    def remove_files(self, file_ids) -> None:
        wanted = set(file_ids)
        gone = [entry for entry in self.files if entry["id"] in wanted]
        if gone:
            FilingDraftFile.objects.filter(draft_id=self.id, pk__in=[entry["id"] for entry in gone]).delete()
            self.files = [entry for entry in self.files if entry not in gone]

    def open_file(self, entry: dict) -> IO[bytes]:
        """The kept file, open for binary reading from the storage; the caller closes it."""
        if self._stored is None:  # every file row of the draft in one query
            self._stored = {row.id.hex: row for row in FilingDraftFile.objects.filter(draft_id=self.id)}
        return self._stored[entry["id"]].file.open("rb")

    def delete(self) -> None:
        # Row by row (not a fast delete) so that the stored files go too: frontend.signals.
        FilingDraft.objects.filter(pk=self.id, owner_id=self.owner).delete()


@dataclass
class Consumed:
    """A draft taken for filing: nobody else can take it. ``restore`` puts it
    back (filing refused it), ``delete`` removes it (filed)."""

    draft: Draft

    def restore(self) -> None:
        FilingDraft.objects.filter(pk=self.draft.id).update(filing=False, updated_at=timezone.now())

    def delete(self) -> None:
        self.draft.delete()


def consume(token: str, user) -> Consumed | None:
    """Take the draft named by ``token`` (id:revision) for filing, once.
    None when it is gone (filed already, discarded, expired) or was changed since."""
    draft_id, _, revision = (token or "").partition(":")
    if not _ID.match(draft_id) or not revision.isdigit():
        return None
    taken = FilingDraft.objects.filter(
        pk=draft_id, owner_id=user.pk, revision=int(revision), filing=False, updated_at__gte=_fresh_since()
    ).update(filing=True, updated_at=timezone.now())  # atomic: the second of two POSTs updates nothing
    if not taken:
        return None
    draft = Draft.load(draft_id, user, taken=True)
    return Consumed(draft=draft) if draft is not None else None


def sweep(max_age: int = MAX_AGE_SECONDS) -> int:
    """Remove abandoned drafts (and those of interrupted filings) with their files. Returns how many."""
    limit = timezone.now() - datetime.timedelta(seconds=max_age)
    return FilingDraft.objects.filter(updated_at__lt=limit).delete()[1].get(FilingDraft._meta.label, 0)

"""Files kept with a filing draft: streamed to the attachments' shared storage
(never into the database row, never read whole), filed with the same bytes, and
removed from the storage whenever their draft goes."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from consult.models import Attachment, Consultation, attachment_storage
from frontend import drafts
from frontend.models import FilingDraft, FilingDraftFile
from tests.test_pages_filing import CHECK, NEW, PDF, entered, token_of

# Larger than FILE_UPLOAD_MAX_MEMORY_SIZE, so Django spools it to a temporary file.
BIG_PDF = PDF + b"%" + bytes(range(256)) * 1024 + b"\n%%EOF\n"


@pytest.fixture
def client_of():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def stored_names() -> set[str]:
    _, names = attachment_storage().listdir("drafts")
    return {f"drafts/{name}" for name in names}


class ChunksOnly(File):
    """An upload that refuses to be read whole."""

    size = len(BIG_PDF)

    def read(self, size=-1):
        assert size is not None and size > 0, "read whole"
        return super().read(size)


@pytest.mark.django_db
def test_a_draft_file_is_kept_in_the_storage_and_filed_with_the_same_bytes(
    people, client_of, monkeypatch, django_capture_on_commit_callbacks
):
    opened = []
    open_file = drafts.Draft.open_file
    monkeypatch.setattr(
        drafts.Draft, "open_file", lambda self, entry: opened.append(open_file(self, entry)) or opened[-1]
    )
    client = client_of(people["matsumoto"])
    report = SimpleUploadedFile("../報告書.pdf", BIG_PDF, content_type="application/pdf")
    assert client.post(NEW, {**entered(), "attachments": [report]})["Location"] == CHECK

    row = FilingDraftFile.objects.get()
    assert row.file.name.startswith("drafts/") and "報告書" not in row.file.name and ".." not in row.file.name
    assert row.name == "報告書.pdf" and row.size == len(BIG_PDF)
    with attachment_storage().open(row.file.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == hashlib.sha256(BIG_PDF).hexdigest()
    with connection.cursor() as cursor:  # no column of the row could hold the bytes
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND data_type = 'bytea'",
            [FilingDraftFile._meta.db_table],
        )
        assert cursor.fetchall() == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CHECK, {"draft": token_of(client.get(CHECK))})
    consultation = Consultation.objects.get()
    assert response["Location"] == f"/consultations/{consultation.pk}/filed/"
    attachment = Attachment.objects.get(consultation=consultation)
    with attachment.file.open("rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    assert digest == attachment.sha256 == hashlib.sha256(BIG_PDF).hexdigest()
    assert attachment.name == "報告書.pdf" and not attachment.file.name.startswith("drafts/")
    assert len(opened) == 1 and not isinstance(opened[0], bytes) and opened[0].closed  # streamed, then closed
    assert not FilingDraftFile.objects.exists() and row.file.name not in stored_names()  # filed: gone


@pytest.mark.django_db
def test_a_kept_file_is_copied_in_chunks(people):
    draft = drafts.Draft.create(people["matsumoto"])
    with ChunksOnly(io.BytesIO(BIG_PDF), name="a.pdf") as upload:
        entry = draft.add_file(upload)
    assert entry["size"] == len(BIG_PDF)
    with drafts.Draft.load(draft.id, people["matsumoto"]).open_file(entry) as kept:
        assert kept.read() == BIG_PDF


@pytest.mark.django_db
def test_a_drafts_stored_files_go_with_it(people, client_of, django_capture_on_commit_callbacks):
    def kept(title, *names):
        client = client_of(people["matsumoto"])
        files = [SimpleUploadedFile(name, PDF) for name in names]
        client.post(NEW, {**entered(title=title), "attachments": files})
        draft = drafts.Draft.load(client.session[drafts.SESSION_KEY], people["matsumoto"])
        return client, draft, set(FilingDraftFile.objects.filter(draft_id=draft.id).values_list("file", flat=True))

    # Discarded on the form: delete().
    client, draft, names = kept("消す", "a.pdf", "b.pdf")
    assert len(names) == 2 and names <= stored_names()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(NEW, {"discard": "1"})
    assert not FilingDraft.objects.filter(pk=draft.id).exists() and not names & stored_names()

    # One file removed from the form: remove_files().
    client, draft, names = kept("一つ外す", "a.pdf", "b.pdf")
    removed = next(entry for entry in draft.files if entry["name"] == "a.pdf")
    removed_name = FilingDraftFile.objects.get(pk=removed["id"]).file.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(NEW, {**entered(title="一つ外す"), "remove_files": removed["id"]})
    assert removed_name not in stored_names() and names - {removed_name} <= stored_names()

    # A deletion that is rolled back keeps the files it would have removed.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        drafts.Draft.load(draft.id, people["matsumoto"]).delete()
        raise RuntimeError
    assert names - {removed_name} <= stored_names()

    # Abandoned: swept when the next draft is created.
    FilingDraft.objects.filter(pk=draft.id).update(
        updated_at=timezone.now() - datetime.timedelta(seconds=drafts.MAX_AGE_SECONDS + 60)
    )
    with django_capture_on_commit_callbacks(execute=True):
        drafts.Draft.create(people["niigata"])
    assert not FilingDraft.objects.filter(pk=draft.id).exists() and not names & stored_names()

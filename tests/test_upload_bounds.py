"""Uploads are bounded before they are read: the size is judged from the
upload's own size (or the request's Content-Length), at most
BANSO_MAX_FILES_PER_REQUEST files a request, files spooled to disk by Django
and read in chunks by the checks and the storage."""

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from consult import attachments, services
from consult.attachments import AttachmentRefused, check_upload
from consult.models import Attachment
from consult.services import conversation

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
FILING = {"title": "添付の上限", "body": "添付ファイルの確認です", "policy_area": "smart-agri"}


class Unreadable(io.RawIOBase):
    """A file that claims a size and fails if anything reads it."""

    def __init__(self, size: int):
        self.size = size

    def readable(self):
        return True

    def read(self, *args):
        raise AssertionError("read before its size was judged")

    readinto = read

    def seek(self, *args):
        return 0


def test_an_oversized_upload_is_refused_from_its_size_without_being_read(settings):
    settings.BANSO_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(AttachmentRefused, match="大きすぎます"):
        check_upload("大きい.pdf", Unreadable(size=1025))


def test_a_file_larger_than_it_said_is_refused_while_read(settings):
    settings.BANSO_ATTACHMENT_MAX_BYTES = 1024
    liar = io.BytesIO(PDF + b"0" * 2000)
    liar.size = 10
    with pytest.raises(AttachmentRefused, match="大きすぎます"):
        check_upload("嘘.pdf", liar)


def test_checks_read_in_chunks_and_agree_with_the_whole_file():
    # Shift_JIS text whose two-byte characters straddle every 64 KiB chunk boundary.
    text = ("あ" * 80_000 + "\n").encode("cp932")
    assert len(text) > 2 * attachments.CHUNK
    spooled = TemporaryUploadedFile("一覧.csv", "text/csv", len(text) + 1, None)
    spooled.write(b"a" + text)  # an odd offset: characters cross the chunk boundaries
    checked = check_upload("一覧.csv", spooled)
    assert checked.content_type == "text/csv" and checked.size == len(text) + 1
    assert checked.sha256 == hashlib.sha256(b"a" + text).hexdigest()
    assert checked.file.read(1) == b"a"  # handed to the storage at its start


def test_a_nul_byte_after_the_first_chunk_is_still_refused():
    content = b"a" * (attachments.CHUNK + 10) + b"\x00"
    with pytest.raises(AttachmentRefused, match="この種類"):
        check_upload("memo.txt", content)


def test_the_service_refuses_more_files_than_a_request_may_carry(people, file, settings):
    settings.BANSO_MAX_FILES_PER_REQUEST = 3
    consultation = file(people["matsumoto"])
    with pytest.raises(ValidationError) as refused:
        services.post_message(actor=people["matsumoto"], consultation=consultation, body="添付",
                              attachments=[services.Upload(f"{i}.pdf", PDF) for i in range(4)])  # fmt: skip
    assert "attachments" in refused.value.message_dict
    assert not Attachment.objects.filter(consultation=consultation).exists()


def _files(count: int, size: int = len(PDF)):
    return [SimpleUploadedFile(f"{i}.pdf", PDF + b"%" * (size - len(PDF)), "application/pdf") for i in range(count)]


def test_the_api_accepts_ten_files_and_refuses_eleven_naming_the_field(api, people):
    client = api(people["matsumoto"])
    ok = client.post("/api/v1/consultations/", {**FILING, "attachments": _files(10)}, format="multipart")
    assert ok.status_code == 201, ok.content
    assert len(ok.json()["attachments"]) == 10
    refused = client.post("/api/v1/consultations/", {**FILING, "attachments": _files(11)}, format="multipart")
    assert refused.status_code == 400
    body = refused.json()
    assert "attachments" in str(body) and "10" in str(body)
    consultation = ok.json()["id"]
    url = f"/api/v1/consultations/{consultation}/messages/"
    message = client.post(url, {"body": "追加", "attachments": _files(11)}, format="multipart")
    assert message.status_code == 400 and "attachments" in str(message.json())


def test_the_limit_follows_the_setting(api, people, settings):
    settings.BANSO_MAX_FILES_PER_REQUEST = 2
    response = api(people["matsumoto"]).post(
        "/api/v1/consultations/", {**FILING, "attachments": _files(3)}, format="multipart"
    )
    assert response.status_code == 400 and "2" in str(response.json())


def test_uploads_reach_the_checks_as_spooled_files_not_bytes(api, people, monkeypatch):
    seen = []
    real = check_upload

    def spy(name, content):
        seen.append(type(content))
        return real(name, content)

    monkeypatch.setattr(conversation, "check_upload", spy)
    response = api(people["matsumoto"]).post(
        "/api/v1/consultations/", {**FILING, "attachments": _files(1, size=200_000)}, format="multipart"
    )
    assert response.status_code == 201
    assert seen == [TemporaryUploadedFile]  # over FILE_UPLOAD_MAX_MEMORY_SIZE: on disk, never a bytes copy
    stored = Attachment.objects.get(consultation_id=response.json()["id"])
    assert stored.size == 200_000
    with stored.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == stored.sha256


def test_an_oversized_file_is_refused_and_the_rest_kept(api, people, settings):
    settings.BANSO_ATTACHMENT_MAX_BYTES = 100_000
    response = api(people["matsumoto"]).post(
        "/api/v1/consultations/",
        {**FILING, "attachments": [*_files(1), SimpleUploadedFile("big.pdf", PDF + b"%" * 100_000)]},
        format="multipart",
    )
    assert response.status_code == 201
    assert len(response.json()["attachments"]) == 1
    assert any("big.pdf" in error and "大きすぎます" in error for error in response.json()["attachment_errors"])


@pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data; boundary=x"])
def test_a_body_larger_than_anything_allowed_is_refused_before_it_is_read(client, people, content_type, settings):
    client.force_login(people["matsumoto"])
    limit = settings.BANSO_MAX_FILES_PER_REQUEST * settings.BANSO_ATTACHMENT_MAX_BYTES
    length = limit * 2 if content_type.startswith("multipart") else settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    response = client.generic(
        "POST", "/api/v1/consultations/", b"{}", content_type=content_type, CONTENT_LENGTH=str(length)
    )
    assert response.status_code == 413
    assert "大きすぎます" in response.json()["detail"]


def test_the_reply_form_says_how_many_files_it_takes(client, people, file):
    consultation = file(people["matsumoto"])
    client.force_login(people["matsumoto"])
    response = client.post(
        f"/consultations/{consultation.pk}/actions/reply/",
        {"reply-body": "資料を送ります", "reply-attachments": _files(11)},
    )
    assert response.status_code in (200, 400)
    assert "一度に添付できるファイルは10個までです" in response.content.decode()
    assert not Attachment.objects.filter(consultation=consultation).exists()


def test_the_filing_form_says_how_many_files_it_takes(client, people):
    client.force_login(people["matsumoto"])
    response = client.post("/consultations/new/", {**FILING, "attachments": _files(11)})
    assert "一度に添付できるファイルは10個までです" in response.content.decode()

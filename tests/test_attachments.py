"""Attachments: type by content, sanitised names, size limit, refused files
reported while the rest is kept, and downloads only as attachments."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from consult.attachments import AttachmentRefused, check_upload, sanitise_name

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("資料.pdf", PDF, "application/pdf"),
        ("図.PNG", PNG, "image/png"),
        ("計画.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("一覧.csv", "市町村,人口\n松本市,236000\n".encode(), "text/csv"),
        ("メモ.txt", "シフトJISのメモ".encode("cp932"), "text/plain"),
    ],
)
def test_allowed_types_are_recognised_by_content(name, content, content_type):
    checked = check_upload(name, content)
    assert checked.content_type == content_type
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("invoice.pdf", EXE, "この種類のファイルは添付できません"),  # a program renamed .pdf
        ("photo.png", PDF, "一致しません"),  # a PDF calling itself .png
        ("data.zip", b"PK\x03\x04" + b"\x00" * 30, "この種類"),
        ("empty.txt", b"", "空のファイル"),
        ("script.pdf.exe", PDF, "一致しません"),
    ],
)
def test_disguised_and_unknown_files_are_refused(name, content, needle):
    with pytest.raises(AttachmentRefused, match=needle):
        check_upload(name, content)


def test_oversized_files_are_refused(settings):
    settings.BANSO_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(AttachmentRefused, match="大きすぎます"):
        check_upload("big.pdf", PDF + b"0" * 2048)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\x\\資料.PDF", "資料.pdf"),
        ("bad\x00name\x1f.txt", "badname.txt"),
        ('a<b>:"c|?*.csv', "a_b___c___.csv"),
        ("", "attachment"),
        ("ｶﾀｶﾅ.txt", "カタカナ.txt"),
    ],
)
def test_names_are_sanitised(raw, clean):
    assert sanitise_name(raw) == clean


@pytest.mark.django_db
def test_a_refused_file_is_reported_and_the_rest_is_kept(api, people):
    response = api(people["matsumoto"]).post(
        "/api/v1/consultations/",
        {
            "title": "添付つき",
            "body": "資料を添付します",
            "policy_area": "smart-agri",
            "attachments": [
                SimpleUploadedFile("計画.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("virus.pdf", EXE, content_type="application/pdf"),
            ],
        },
        format="multipart",
    )
    assert response.status_code == 201
    body = response.json()
    assert [a["name"] for a in body["attachments"]] == ["計画.pdf"]
    assert len(body["attachment_errors"]) == 1 and "virus.pdf" in body["attachment_errors"][0]


@pytest.mark.django_db
def test_downloads_are_attachments_with_the_sanitised_name(api, people):
    client = api(people["matsumoto"])
    created = client.post(
        "/api/v1/consultations/",
        {
            "title": "t",
            "body": "b",
            "policy_area": "smart-agri",
            "attachments": [SimpleUploadedFile("../資料.pdf", PDF)],
        },
        format="multipart",
    ).json()
    url = created["attachments"][0]["url"]
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "資料.pdf" in response["Content-Disposition"] or "%E8%B3%87%E6%96%99.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
def test_files_are_stored_outside_the_web_root(client, people, file, settings):
    from consult.services import Upload

    consultation = file(people["matsumoto"], attachments=[Upload("a.pdf", PDF)])
    stored = consultation.attachments.get()
    assert stored.file.path.startswith(str(settings.MEDIA_ROOT))
    assert not stored.file.name.endswith("a.pdf")  # random stored name, shown name kept apart
    for url in (f"/{stored.file.name}", f"/media/{stored.file.name}", f"/media/attachments/{stored.file.name}"):
        assert client.get(url).status_code == 404

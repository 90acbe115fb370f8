"""Japanese search of consultations: built on commit, ranked, highlighted, and never
showing a person what the visibility rule hides from them."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consult import services
from search import services as search_services
from search.models import AttachmentText, ConsultationText

LIST = "/api/v1/consultations/"
# Words found nowhere else in the test data: whoever finds them read that text.
SECRET = "藍染川"  # in an internal note only
SECRET_FILE = "Kalamazoo"  # in an internal attachment only


def _pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` (ASCII) in Helvetica."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx(text: str) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "品目"
    book.active["B2"] = text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pptx(text: str) -> bytes:
    import pptx

    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = text
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def found(api, user, q, **params) -> list[dict]:
    response = api(user).get(LIST, {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def found_ids(api, user, q) -> list[int]:
    return [row["id"] for row in found(api, user, q)]


@pytest.fixture
def secret_case(people, file, search_texts):
    """A consultation of 松本市 held by 関東農政局 (maff), with a public reply, an internal
    note and an internal attachment; and one of 新潟市 for the other town."""
    consultation = file(
        people["matsumoto"], title="ため池の改修について", body="老朽化したため池の補助制度を知りたい。"
    )
    services.post_message(actor=people["maff"], consultation=consultation, body="ため池の改修は補助の対象です。")
    services.post_message(
        actor=people["maff"],
        consultation=consultation,
        body=f"ため池の件、{SECRET}地区の事情を本省に確認中。",
        internal=True,
        attachments=[services.Upload(name="memo.pdf", content=_pdf(f"{SECRET_FILE} reservoir memo"))],
    )
    other_town = file(people["niigata"], title="ため池の耐震診断", body="ため池の耐震化の補助について")
    search_texts()
    return consultation, other_town


# --- building the text ----------------------------------------------------------------------


def test_the_text_is_built_on_commit_by_the_task(people, file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        consultation = file(people["matsumoto"], title="鳥獣被害対策の相談", body="イノシシの侵入防止柵について")
    text = ConsultationText.objects.get(pk=consultation.pk)
    assert consultation.reference in text.public_text and "イノシシ" in text.public_text
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(actor=people["maff"], consultation=consultation, body="電気柵の補助があります。")
    assert "電気柵" in ConsultationText.objects.get(pk=consultation.pk).public_text


def test_building_is_idempotent_and_skips_what_is_up_to_date(people, file):
    consultation = file(people["matsumoto"])
    assert search_services.build_texts(consultation_ids=[consultation.pk]) == 1
    assert search_services.build_texts(consultation_ids=[consultation.pk]) == 0
    built = ConsultationText.objects.get(pk=consultation.pk)
    services.post_message(actor=people["maff"], consultation=consultation, body="回答します")
    assert search_services.build_texts(consultation_ids=[consultation.pk]) == 1
    assert ConsultationText.objects.get(pk=consultation.pk).stamp != built.stamp
    assert search_services.build_texts(consultation_ids=[consultation.pk], force=True) == 1
    assert search_services.build_texts(consultation_ids=[987654321]) == 0  # gone: nothing to do


def test_the_task_rebuilds_one_consultation(people, file):
    from search import tasks

    consultation = file(people["matsumoto"], title="林道の補修")
    assert tasks.build_consultation_text.apply(args=[consultation.pk]).get() == 1
    assert tasks.build_consultation_text.apply(args=[consultation.pk]).get() == 0  # a repeated delivery
    assert tasks.build_consultation_text.acks_late


@pytest.mark.parametrize(
    ("name", "make", "word"),
    [
        ("plan.pdf", _pdf, "Kalamazoo"),
        ("plan.docx", _docx, "圃場整備計画書"),
        ("plan.xlsx", _xlsx, "圃場整備計画書"),
        ("plan.pptx", _pptx, "圃場整備計画書"),
        ("plan.txt", lambda text: text.encode("cp932"), "圃場整備計画書"),
    ],
)
def test_attachments_are_searched(api, people, file, search_texts, name, make, word):
    consultation = file(
        people["matsumoto"], title="添付の確認", attachments=[services.Upload(name=name, content=make(word))]
    )
    search_texts()
    assert AttachmentText.objects.get(attachment__consultation=consultation).error == ""
    assert found_ids(api, people["matsumoto"], word) == [consultation.pk]
    assert found_ids(api, people["maff"], word) == [consultation.pk]


def test_a_broken_attachment_is_no_crash(people, file, search_texts):
    broken = _docx("x")[:200] + b"\0" * 50  # a zip cut short, still sniffed as OOXML or refused
    consultation = file(people["matsumoto"], attachments=[services.Upload(name="broken.txt", content=b"\xff\xfe\x00")])
    consultation_broken = file(people["matsumoto"], attachments=[services.Upload(name="b.docx", content=broken)])
    assert search_texts() >= 1
    assert ConsultationText.objects.filter(pk__in=[consultation.pk, consultation_broken.pk]).count() == 2


def test_build_search_text_command_is_resumable(people, file, capsys):
    first, second = file(people["matsumoto"]), file(people["matsumoto"], title="二件目")
    call_command("build_search_text", batch=1)
    out = capsys.readouterr().out
    assert ConsultationText.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
    assert "consultations/s" in out
    call_command("build_search_text", batch=1)
    assert "0 written" in capsys.readouterr().out  # up to date: skipped
    call_command("build_search_text", after=first.pk)
    assert "1 checked" in capsys.readouterr().out  # resumed after an id


# --- ranking and references --------------------------------------------------------------------


def test_ranked_by_relevance_with_highlights(api, people, file, search_texts):
    body_only = file(people["matsumoto"], title="農地の相談", body="スマート農業の機械を使った水田管理について。")
    titled = file(people["matsumoto"], title="スマート農業の実証", body="実証事業への参加を考えています。")
    file(people["matsumoto"], title="道路の補修", body="市道の補修について。")
    search_texts()
    rows = found(api, people["secretariat"], "スマート農業")
    assert [row["id"] for row in rows] == [titled.pk, body_only.pk]  # the title weighs more
    assert "<mark>スマート</mark>" in rows[1]["highlight"] or "<mark>スマート農業</mark>" in rows[1]["highlight"]
    assert api(people["secretariat"]).get(LIST).json()["results"][0]["highlight"] == ""  # only with q
    # An explicit ordering is kept.
    assert [row["id"] for row in found(api, people["secretariat"], "スマート農業", ordering="created_at")] == [
        body_only.pk,
        titled.pk,
    ]


def test_highlights_are_escaped(api, people, file, search_texts):
    file(people["matsumoto"], title="<script>alert(1)</script>水路", body="<img src=x onerror=alert(2)>水路の改修")
    search_texts()
    (row,) = found(api, people["matsumoto"], "水路")
    assert "<script>" not in row["highlight"] and "<img" not in row["highlight"]
    assert "&lt;script&gt;" in row["highlight"] and "<mark>水路</mark>" in row["highlight"]


def test_reference_numbers_come_first(api, people, file, search_texts):
    many = [file(people["matsumoto"], title=f"相談{n}") for n in range(3)]
    target = many[1]
    # Another consultation that mentions the number in its text.
    file(people["matsumoto"], title="参照", body=f"{target.reference} と同じ件です。番号 {target.reference[-6:]}")
    search_texts()
    for q in (target.reference, target.reference.lower(), target.reference[-6:], str(int(target.reference[-6:]))):
        assert found_ids(api, people["secretariat"], q)[0] == target.pk, q


def test_synonyms_and_width_variants(api, people, file, search_texts):
    dx = file(people["matsumoto"], title="自治体デジタルトランスフォーメーション推進計画", body="計画の策定について。")
    ict = file(people["matsumoto"], title="ＩＣＴを活用した見守り", body="高齢者の見守り。")
    search_texts()
    assert found_ids(api, people["secretariat"], "DX") == [dx.pk]
    assert found_ids(api, people["secretariat"], "ict") == [ict.pk]
    assert found_ids(api, people["secretariat"], "情報通信技術") == [ict.pk]


def test_a_query_without_words_finds_nothing(api, people, file, search_texts):
    file(people["matsumoto"])
    search_texts()
    assert found(api, people["secretariat"], "、。") == []


def test_list_queries_do_not_grow_with_the_results(api, people, file, search_texts):
    client = api(people["maff"])
    file(people["matsumoto"], title="水田の相談")
    search_texts()
    client.get(LIST, {"q": "水田"})  # warm the caches

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST, {"q": "水田"}).status_code == 200
        return len(queries)

    few = count()
    for n in range(8):
        file(people["matsumoto"], title=f"水田の相談{n}")
    search_texts()
    assert count() == few


# --- visibility --------------------------------------------------------------------------------


def test_staff_never_find_internal_notes_or_their_attachments(api, people, secret_case):
    consultation, _other = secret_case
    for q in (SECRET, SECRET_FILE, f"ため池 {SECRET}"):
        assert found(api, people["matsumoto"], q) == [], q
    # A public word finds it; the highlight shows none of the internal note.
    (row,) = found(api, people["matsumoto"], "ため池 改修")
    assert row["id"] == consultation.pk
    assert SECRET not in row["highlight"] and "本省に確認中" not in row["highlight"]


def test_the_holding_office_and_the_secretariat_find_internal_notes(api, people, secret_case):
    consultation, _other = secret_case
    for user in (people["maff"], people["maff_lead"], people["secretariat"]):
        rows = found(api, user, SECRET)
        assert [row["id"] for row in rows] == [consultation.pk]
        assert f"<mark>{SECRET}</mark>" in rows[0]["highlight"]
        assert found_ids(api, user, SECRET_FILE) == [consultation.pk]


def test_another_office_and_another_town_find_nothing_of_it(api, people, secret_case):
    consultation, other_town = secret_case
    for user in (people["meti"], people["digital"], people["maff_hq"]):
        for q in ("ため池", SECRET, consultation.reference):
            assert consultation.pk not in found_ids(api, user, q), (user, q)
    assert found_ids(api, people["niigata"], "ため池") == [other_town.pk]
    assert found_ids(api, people["niigata"], consultation.reference) == []
    assert consultation.pk not in found_ids(api, people["shizuoka"], "ため池")


def test_a_collaborating_office_finds_internal_notes(api, people, secret_case):
    consultation, _other = secret_case
    services.invite_collaborator(actor=people["maff"], consultation=consultation, office="digital-hq")
    assert found_ids(api, people["digital"], SECRET) == [consultation.pk]


def test_a_former_office_finds_the_public_text_only(api, people, secret_case, search_texts):
    consultation, _other = secret_case
    services.transfer(actor=people["maff"], consultation=consultation, office="maff-hq", reason="本省で対応")
    search_texts()
    assert found_ids(api, people["maff"], "ため池 改修") == [consultation.pk]
    # Its own note is not searched any more (the partial view is left out, never widened).
    assert found_ids(api, people["maff"], SECRET) == []
    assert found_ids(api, people["maff_hq"], SECRET) == [consultation.pk]


def test_pages_show_the_same_and_hide_the_same(client, people, secret_case):
    consultation, other_town = secret_case
    client.force_login(people["matsumoto"])
    page = client.get("/", {"q": SECRET})
    assert page.status_code == 200 and page.context["search"]["rows"] == []
    page = client.get("/", {"q": "ため池"})
    (row,) = page.context["search"]["rows"]
    assert row.pk == consultation.pk and SECRET not in page.content.decode()
    assert "<mark>ため池</mark>" in page.content.decode()
    client.force_login(people["maff"])
    page = client.get("/queue/", {"q": SECRET, "status": "all"})
    assert [row.pk for row in page.context["rows"]] == [consultation.pk]
    assert f"<mark>{SECRET}</mark>" in page.content.decode()
    client.force_login(people["meti"])
    assert client.get("/queue/", {"q": "ため池", "status": "all"}).context["rows"] == []
    client.force_login(people["secretariat"])
    page = client.get("/", {"q": "ため池"})
    assert {row.pk for row in page.context["search"]["rows"]} == {consultation.pk, other_town.pk}


def test_filing_never_fails_when_the_task_cannot_be_queued(
    people, file, monkeypatch, django_capture_on_commit_callbacks
):
    from search import tasks

    def broker_away(*args, **kwargs):
        raise ConnectionRefusedError("broker away")

    monkeypatch.setattr(tasks.build_consultation_text, "apply_async", broker_away)
    with django_capture_on_commit_callbacks(execute=True):
        consultation = file(people["matsumoto"], title="ブローカー停止中の相談")
    assert not ConsultationText.objects.filter(pk=consultation.pk).exists()
    # The sweep finds it, and a second sweep has nothing left to do.
    assert tasks.sweep_stale_texts.apply().get() >= 1
    assert ConsultationText.objects.filter(pk=consultation.pk).exists()
    assert search_services.sweep_stale_texts() == 0

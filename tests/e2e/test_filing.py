"""Filing in the browser: the form (with htmx search), its errors, the check
page with the routing, and the confirmation with the reference number."""

import pytest

from consult.models import Attachment, Consultation

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_staff_files_a_consultation(open_as, django_user_model):
    staff = django_user_model.objects.get(email="staff@matsumoto.example.lg.jp")
    page = open_as(staff, "/consultations/new/")
    check_page(page, "filing-form")

    # Nothing entered: the error summary comes first and links to the fields.
    page.get_by_role("button", name="確認画面へ進む").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "件名を入力してください" in summary.inner_text()
    assert "施策分野を選んでください" in summary.inner_text()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    check_page(page, "filing-form-errors")
    summary.get_by_role("link", name="件名: 件名を入力してください").click()
    assert page.evaluate("document.activeElement.id") == "id_title"

    page.get_by_label("スマート農林水産業・食品産業", exact=True).check()
    page.get_by_label("件名", exact=True).fill("ドローンによる農薬散布の補助について")
    page.get_by_label("相談内容", exact=True).fill("補助の対象と申請の時期を教えてください。")
    # Co-filers: the matches follow the typing (htmx); the chosen one stays chosen.
    search = page.get_by_label("団体を検索", exact=True)
    search.fill("にいがた")
    page.get_by_label("新潟県新潟市（151009）", exact=True).check()
    search.fill("しずおか")
    page.get_by_label("静岡県静岡市（221007）", exact=True).wait_for()
    assert page.get_by_label("新潟県新潟市（151009）", exact=True).is_checked()
    assert "「しずおか」に一致する団体" in page.locator("#co_filers-status").inner_text()
    page.locator("#id_attachments").set_input_files(
        files=[{"name": "報告書.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="確認画面へ進む").click()

    page.wait_for_url("**/consultations/new/check/")
    main = page.locator("main").inner_text()
    assert "関東農政局" in main and "北陸農政局" in main  # 新潟市 brings its own office in
    assert "報告書.pdf" in main and "初回回答" in main
    check_page(page, "filing-check")

    page.get_by_role("button", name="この内容で相談する").click()
    page.wait_for_url("**/filed/")
    consultation = Consultation.objects.get()
    panel = page.locator(".panel").inner_text()
    assert consultation.reference in panel
    assert Attachment.objects.filter(consultation=consultation, name="報告書.pdf").exists()
    check_page(page, "filing-filed")


def test_the_secretariat_chooses_the_filer(open_as, django_user_model):
    secretariat = django_user_model.objects.get(email="secretariat@cao.example.go.jp")
    page = open_as(secretariat, "/consultations/new/", width=360)
    page.get_by_label("提出団体を検索", exact=True).fill("マツモト")
    page.get_by_label("長野県松本市（202029）", exact=True).check()
    page.get_by_label("スマート農林水産業・食品産業", exact=True).check()
    page.get_by_label("件名", exact=True).fill("代理での相談")
    page.get_by_label("相談内容", exact=True).fill("松本市からの電話相談を代わりに登録します。")
    page.get_by_role("button", name="確認画面へ進む").click()
    page.wait_for_url("**/consultations/new/check/")
    assert "長野県松本市（202029）" in page.locator("main").inner_text()
    page.get_by_role("button", name="この内容で相談する").click()
    page.wait_for_url("**/filed/")
    assert Consultation.objects.get().filer_id == "202029"

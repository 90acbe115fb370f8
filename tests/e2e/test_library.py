"""The library pages in the browser through axe-core (WCAG 2.1 A and AA, at 1280
and 360 px): the list and an entry, the secretariat's review of a draft, the
proposal form on a resolved consultation's page; and the filing form's similar
entries following the title as it is typed (htmx)."""

import pytest

from .conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)

STAFF = "staff@matsumoto.example.lg.jp"
OTHER_STAFF = "staff@niigata.example.lg.jp"
LIAISON = "liaison@kanto.maff.example.go.jp"
SECRETARIAT = "secretariat@cao.example.go.jp"


@pytest.fixture
def data(site, django_user_model):
    from consult import services as consult_services
    from library import services
    from library.models import Entry

    users = {user.email: user for user in django_user_model.objects.all()}
    consultation = consult_services.file_consultation(
        actor=users[STAFF], title="スマート農業の導入について", body="ドローンによる農薬散布の補助制度について伺います。",
        policy_area="smart-agri",
    ).consultation  # fmt: skip
    consult_services.transition(actor=users[LIAISON], consultation=consultation, action="accept")
    consult_services.transition(actor=users[LIAISON], consultation=consultation, action="resolve",
                                comment="スマート農業実証プロジェクトの補助が使えます。")  # fmt: skip
    published = services.propose_entry(
        actor=users[LIAISON], consultation=consultation, title="ドローンによる農薬散布の補助",
        question="ドローンでの農薬散布に使える補助はありますか。", answer="スマート農業の実証事業の補助が使えます。",
        tags=["スマート農業", "ドローン"],
    )  # fmt: skip
    services.publish_entry(actor=users[SECRETARIAT], entry=published)  # indexed on commit (eager Celery)
    draft = services.propose_entry(actor=users[LIAISON], consultation=consultation, title="審査待ちの事例",
                                   question="質問です。", answer="回答です。")  # fmt: skip
    return users, consultation, Entry.objects.get(pk=published.pk), draft


def test_the_library_pages_are_accessible(open_as, data):
    users, consultation, published, draft = data
    pages = {
        OTHER_STAFF: ["/library/", "/library/?q=ドローン", f"/library/{published.pk}/"],
        LIAISON: [f"/consultations/{consultation.pk}/", f"/library/{published.pk}/"],
        SECRETARIAT: ["/library/review/", f"/library/{draft.pk}/", f"/library/{published.pk}/"],
    }
    for email, paths in pages.items():
        for path in paths:
            page = open_as(users[email], path)
            assert page.locator("main h1").count() == 1, path
            name = "-".join(["library", email.split("@")[0], *path.split("?")[0].strip("/").split("/")])
            if "?" in path:
                name += "-search"
            for pk, label in ((published.pk, "entry"), (draft.pk, "draft"), (consultation.pk, "id")):
                name = name.replace(f"-{pk}", f"-{label}")
            check_page(page, name)
            page.context.close()


def test_the_proposal_form_on_a_resolved_consultation(open_as, data):
    from library.models import Entry

    users, consultation, _published, _draft = data
    page = open_as(users[LIAISON], f"/consultations/{consultation.pk}/")
    page.locator("#library summary").click()
    page.fill("#proposal-title", "ブラウザからの提案")
    page.locator("#library button[type=submit]", has_text="回答事例として提案する").click()
    page.wait_for_url(f"**/consultations/{consultation.pk}/**")
    assert "回答事例として提案しました" in page.locator("main").inner_text()
    assert Entry.objects.filter(source=consultation, current__title="ブラウザからの提案").exists()
    page.context.close()


def test_the_filing_form_suggests_similar_entries_as_the_title_is_typed(open_as, data):
    users, _consultation, published, _draft = data
    page = open_as(users[OTHER_STAFF], "/consultations/new/")
    assert "似ている回答事例がここに表示されます" in page.locator("#similar-panel").inner_text()
    page.locator("#id_title").press_sequentially("ドローンで農薬散布", delay=20)
    page.wait_for_function(
        "(title) => document.querySelector('#similar-panel').innerText.includes(title)", arg=published.title
    )
    assert page.locator("#similar-panel a[href^='/consultations/']").count() == 0
    check_page(page, "library-filing-similar")
    page.context.close()


def test_the_secretariat_ticks_related_measures_and_readers_follow_them(open_as, data):
    """The edit form's measures (a fieldset of checkboxes) pass axe, save without JavaScript
    doing anything, and the published entry links each measure to its page."""
    from django.core.management import call_command

    from library import services
    from library.models import Entry

    from .conftest import assert_accessible

    call_command("load_measures", verbosity=0)
    users, _consultation, _published, draft = data
    page = open_as(users[SECRETARIAT], f"/library/{draft.pk}/")
    assert_accessible(page)
    box = page.locator("#edit-measures input[type=checkbox]").first
    measure_id = int(box.get_attribute("value"))
    box.check()
    page.locator("button", has_text="新しい版として保存する").click()
    page.wait_for_url(f"**/library/{draft.pk}/")
    assert list(Entry.objects.get(pk=draft.pk).measures.values_list("pk", flat=True)) == [measure_id]
    page.context.close()
    services.publish_entry(actor=users[SECRETARIAT], entry=Entry.objects.get(pk=draft.pk))
    reader = open_as(users[OTHER_STAFF], f"/library/{draft.pk}/")
    reader.locator(f"a[href='/measures/{measure_id}/']").click()
    reader.wait_for_url(f"**/measures/{measure_id}/")
    assert reader.locator("main h1").count() == 1
    reader.context.close()

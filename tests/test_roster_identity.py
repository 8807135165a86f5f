"""Issue 11 (8, 9, 10): the roster normalises before it compares, refuses names that hide what
they say, shows every change to a person on file and applies identity changes only when the
admin confirms; its writes cost a constant number of queries per batch."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certify.people.models import Candidate
from exams.planning.roster import roster_import
from question_bank.services.excel import bank_import
from question_bank.services.items import knowledge_points_load
from tests.bank_helpers import make_item, single, xlsx
from tests.exam_helpers import id_number, make_sitting, roster_xlsx
from tests.test_roster import errors_of, person

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@pytest.fixture
def sitting(org, standard):
    return make_sitting(org)


def test_a_full_width_id_number_is_the_same_person_as_its_ascii_form(sitting, hr):
    wide = id_number(7)[:17].translate(FULL_WIDTH) + id_number(7)[17]
    report = roster_import(sitting=sitting, content=roster_xlsx([person(1, 身份证号=wide)]), by=hr)
    assert errors_of(report) == []
    assert Candidate.objects.get(employee_no="R0001").id_number == id_number(7)  # stored as ASCII
    again = roster_import(sitting=sitting, content=roster_xlsx([person(2, 身份证号=id_number(7))]), by=hr)
    assert errors_of(again) == [(2, "身份证号", "该身份证号已属于工号 R0001 的考生")]
    assert Candidate.objects.count() == 1


def test_full_width_duplicates_inside_one_roster_are_caught(sitting, hr):
    wide = id_number(7).translate(FULL_WIDTH)
    report = roster_import(
        sitting=sitting, content=roster_xlsx([person(1, 身份证号=id_number(7)), person(2, 身份证号=wide)]), by=hr
    )
    assert errors_of(report) == [(3, "身份证号", "与第 2 行的身份证号相同")]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("\u200b\u200b", "姓名不能为空，也不能只由空白或不可见字符组成"),
        ("\u3164\u3164", "姓名不能为空，也不能只由空白或不可见字符组成"),
        ("王\u202e芳", "姓名中含有文字方向控制符，显示出来会与实际内容不同，请删除后重新填写"),
        ("\u2066李伟\u2069", "姓名中含有文字方向控制符，显示出来会与实际内容不同，请删除后重新填写"),
    ],
)
def test_names_that_hide_what_they_say_are_refused(sitting, hr, name, message):
    report = roster_import(sitting=sitting, content=roster_xlsx([person(1, 姓名=name)]), by=hr)
    assert errors_of(report) == [(2, "姓名", message)]


def test_zero_width_characters_are_stripped_from_names(sitting, hr):
    roster_import(sitting=sitting, content=roster_xlsx([person(1, 姓名="张\u200b丽娜")]), by=hr)
    assert Candidate.objects.get().name == "张丽娜"


def test_a_zero_width_space_does_not_hide_a_duplicate_stem_in_the_bank(standard, hr):
    knowledge_points_load()
    existing = make_item(single(题干="客户进厅时营业员首先应当怎样做？"))
    report = bank_import(content=xlsx([single(题干="客户\u200b进厅时营业员首先应当怎样做？")]), by=hr)
    assert errors_of(report) == [(2, "题干", f"与题库中的第 {existing.pk} 题题干相同")]


def test_identity_changes_are_shown_old_to_new_and_wait_for_confirmation(sitting, hr):
    roster_import(sitting=sitting, content=roster_xlsx([person(1), person(2)]), by=hr)
    changed = roster_xlsx([person(1, 姓名="李四", 身份证号=id_number(11)), person(2, 手机号="13900000000")])
    report = roster_import(sitting=sitting, content=changed, by=hr)
    assert report.needs_confirmation and not report.ok
    assert [(c.row, c.employee_no, c.field, c.old, c.new) for c in report.changes] == [
        (2, "R0001", "姓名", "员工1", "李四"),
        (2, "R0001", "身份证号", id_number(1), id_number(11)),
        (3, "R0002", "手机号", "13700000002", "13900000000"),
    ]
    masked = report.as_dict(show_personal_data=False)["changes"][1]
    assert masked["old"] == id_number(1)[:3] + "*" * 11 + id_number(1)[-4:]
    assert Candidate.objects.get(employee_no="R0001").name == "员工1"  # nothing applied yet
    assert Candidate.objects.get(employee_no="R0002").phone == "13700000002"
    confirmed = roster_import(sitting=sitting, content=changed, by=hr, confirm_identity_changes=True)
    assert confirmed.ok and confirmed.updated == 2
    one = Candidate.objects.get(employee_no="R0001")
    assert (one.name, one.id_number) == ("李四", id_number(11))


def test_the_roster_page_shows_the_changes_and_a_confirm_button(sitting, hr, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import client_for

    roster_import(sitting=sitting, content=roster_xlsx([person(1)]), by=hr)
    client = client_for(hr)
    upload = SimpleUploadedFile("名单.xlsx", roster_xlsx([person(1, 姓名="李四")]))
    with django_capture_on_commit_callbacks(execute=True):  # the background job, run in-process
        response = client.post(f"/sittings/{sitting.pk}/roster/", {"file": upload})
    page = client.get(response["Location"]).content.decode()
    assert "以下人员的身份信息将被修改" in page and "员工1 → 李四" in page
    assert Candidate.objects.get().name == "员工1"
    job = page.split('name="import" value="', 1)[1].split('"', 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/sittings/{sitting.pk}/roster/", {"import": job, "confirm": "1"})
    page = client.get(response["Location"]).content.decode()
    assert "导入成功" in page
    assert Candidate.objects.get().name == "李四"


def test_the_roster_page_shows_progress_while_the_import_runs(sitting, hr):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import client_for

    client = client_for(hr)
    upload = SimpleUploadedFile("名单.xlsx", roster_xlsx([person(1)]))
    response = client.post(f"/sittings/{sitting.pk}/roster/", {"file": upload})  # the job waits for the commit
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="roster-progress"' in page and "排队中" in page
    assert "名单在后台导入，本页会自动刷新。" in page


def test_the_roster_page_shows_a_hundred_enrolments_at_a_time(sitting, hr):
    from tests.conftest import client_for

    roster_import(sitting=sitting, content=roster_xlsx([person(n) for n in range(1, 251)]), by=hr)
    page = client_for(hr).get(f"/sittings/{sitting.pk}/roster/").content.decode()
    assert page.count("<tr><td>") == 100 and "第 1 / 3 页" in page and "已报名 250 人" in page


def test_a_roster_costs_a_constant_number_of_queries_per_batch_of_500(sitting, hr):
    first = roster_xlsx([person(n) for n in range(1, 501)])
    second = roster_xlsx([person(n) for n in range(1001, 2001)])
    with CaptureQueriesContext(connection) as one_batch:
        assert roster_import(sitting=sitting, content=first, by=hr).created == 500
    with CaptureQueriesContext(connection) as two_batches:
        assert roster_import(sitting=sitting, content=second, by=hr).created == 1000
    assert len(two_batches) <= 2 * len(one_batch) + 5
    assert len(two_batches) < 120  # about 37 queries per row before: 37,000 for these 1,000 rows


def test_a_roster_with_thousands_of_errors_lists_the_first_500_and_counts_the_rest(sitting, hr):
    report = roster_import(sitting=sitting, content=roster_xlsx([person(n, 手机号="x") for n in range(1, 1201)]), by=hr)
    stored = report.as_dict()
    assert stored["error_count"] == 1200 and len(stored["errors"]) == 501
    assert stored["errors"][-1]["message"] == "另有 700 处错误未列出：请先改正以上错误后重新上传"

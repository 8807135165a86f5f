"""HR's roster: all rows or none, every error with row and column; re-import updates, never duplicates."""

import pytest
from django.test import Client

from certify.people.models import Candidate, User
from exams.planning.models import Enrollment
from exams.planning.roster import roster_import
from exams.planning.services import sitting_create
from tests.exam_helpers import at, enrol, id_number, make_sitting, roster_xlsx


def person(n: int, **overrides) -> dict:
    row = {
        "工号": f"R{n:04d}",
        "姓名": f"员工{n}",
        "身份证号": id_number(n),
        "手机号": f"137{n:08d}",
        "分公司": "城东分公司",
        "营业厅": "城东中心营业厅",
        "报考级别": "营业五级",
    }
    row.update(overrides)
    return row


def errors_of(report):
    return [(e.row, e.column, e.message) for e in report.errors]


@pytest.fixture
def sitting(org, standard):
    return make_sitting(org)


def test_a_good_roster_creates_and_enrols_everyone(sitting, hr):
    report = roster_import(sitting=sitting, content=roster_xlsx([person(n) for n in range(1, 201)]), by=hr)
    assert errors_of(report) == []
    assert (report.rows, report.created, report.updated, report.enrolled) == (200, 200, 0, 200)
    assert Enrollment.objects.filter(sitting=sitting).count() == 200
    candidate = Candidate.objects.get(employee_no="R0007")
    assert candidate.hall.name == "城东中心营业厅"
    assert candidate.level == 5


def test_reimporting_updates_people_instead_of_duplicating_them(sitting, hr):
    roster_import(sitting=sitting, content=roster_xlsx([person(1), person(2)]), by=hr)
    content = roster_xlsx(
        [person(1, 姓名="员工一（改名）", 营业厅="文三路营业厅", 分公司="城西分公司"), person(2), person(3)]
    )
    asked = roster_import(sitting=sitting, content=content, by=hr)
    assert asked.needs_confirmation and asked.created == 0  # a new name waits for the admin
    assert Candidate.objects.get(employee_no="R0001").name == "员工1"
    report = roster_import(sitting=sitting, content=content, by=hr, confirm_identity_changes=True)
    assert errors_of(report) == []
    assert (report.created, report.updated, report.enrolled) == (1, 2, 1)
    assert Candidate.objects.count() == 3
    assert User.objects.filter(username="R0001").count() == 1
    renamed = Candidate.objects.get(employee_no="R0001")
    assert (renamed.name, renamed.hall.name) == ("员工一（改名）", "文三路营业厅")
    assert Enrollment.objects.filter(sitting=sitting).count() == 3


def test_a_roster_with_bad_rows_enrols_nobody_and_names_every_error(org, sitting, hr):
    other = sitting_create(
        name="同日另一批次",
        level=5,
        province=org.province,
        written_start=at(10, 9, 30),
        written_end=at(10, 11),
        practical_start=at(10, 14),
        practical_end=at(10, 17),
        by=hr,
    )
    enrolled_elsewhere = enrol(other, org, 1, start=900)[0].candidate
    bad_id = id_number(5)[:17] + ("0" if id_number(5)[17] != "0" else "1")
    rows = [
        person(1),  # 2: fine
        person(2, 身份证号=bad_id),  # 3
        person(3, 营业厅="不存在营业厅"),  # 4
        person(4, 报考级别="营业四级"),  # 5
        person(1, 姓名="重复的人"),  # 6: same 工号 as row 2
        person(6, 手机号="12345"),  # 7
        {**person(7), "工号": enrolled_elsewhere.employee_no, "身份证号": enrolled_elsewhere.id_number},  # 8
        person(8, 身份证号=id_number(1)),  # 9: same ID number as row 2
    ]
    report = roster_import(sitting=sitting, content=roster_xlsx(rows), by=hr)
    assert errors_of(report) == [
        (3, "身份证号", "身份证号校验位不正确"),
        (4, "营业厅", "测试省公司没有「城东分公司 · 不存在营业厅」这个营业厅"),
        (5, "报考级别", "本批次只考营业五级，不能报考营业四级"),
        (6, "工号", "与第 2 行是同一人（工号相同）"),
        (7, "手机号", "手机号应为以 1 开头的 11 位数字，填写的是「12345」"),
        (8, "工号", f"已报名时间重叠的考试批次「{other}」"),
        (9, "身份证号", "与第 2 行的身份证号相同"),
    ]
    assert Enrollment.objects.filter(sitting=sitting).count() == 0
    assert not Candidate.objects.filter(employee_no="R0001").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件是空的"),
        (b"employee,name\n", "这不是 Excel 文件（.xlsx）：请下载模板填写后上传"),
    ],
)
def test_unreadable_rosters_get_a_clear_message(sitting, hr, content, message):
    assert errors_of(roster_import(sitting=sitting, content=content, by=hr)) == [(None, "", message)]


def test_a_roster_with_the_wrong_columns_says_which(sitting, hr):
    report = roster_import(sitting=sitting, content=roster_xlsx([{}], header=("工号", "姓名", "部门")), by=hr)
    assert report.errors[0].message.startswith("缺少列：身份证号、手机号、分公司、营业厅、报考级别；无法识别的列：部门")


def test_an_imported_candidate_signs_in_the_first_time_with_the_end_of_their_id_number(sitting, hr):
    roster_import(sitting=sitting, content=roster_xlsx([person(1)]), by=hr)
    client = Client()
    wrong = client.post("/accounts/login/", {"username": "R0001", "password": "123456"})
    assert wrong.status_code == 200 and "请输入一个正确的" in wrong.content.decode()
    first = client.post("/accounts/login/", {"username": "R0001", "password": id_number(1)[-6:]})
    assert first.status_code == 302
    assert client.get("/").url == "/accounts/password/"  # a new password before anything else
    user = User.objects.get(username="R0001")
    assert user.password_must_change and not user.has_usable_password()  # the secret worked once

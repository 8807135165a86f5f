"""Sitting pages and API: who may see what, and the admin's planning flow."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exams.planning.models import Enrollment, Room
from exams.planning.services import examiner_assign, room_add
from tests.conftest import client_for
from tests.exam_helpers import enrol, make_examiners, make_sitting, ready_sitting, roster_xlsx, synthetic_bank


@pytest.fixture
def bank(standard):
    synthetic_bank()


@pytest.fixture
def scheduled(org, bank, hr, django_capture_on_commit_callbacks):
    sitting = ready_sitting(org, candidates=6)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(hr).post(f"/sittings/{sitting.pk}/do/schedule/", follow=True)
    assert "已排考" in response.content.decode()
    return sitting


def test_an_examiner_sees_only_the_rooms_assigned_to_them(org, standard):
    sitting = make_sitting(org)
    mine = room_add(sitting=sitting, kind="written", name="A101", capacity=30)
    other = room_add(sitting=sitting, kind="written", name="B202", capacity=30)
    me, colleague = make_examiners(org, 2)
    examiner_assign(room=mine, examiner=me)
    examiner_assign(room=other, examiner=colleague)
    client = client_for(me)
    assert "A101" in client.get("/my/rooms/").content.decode()
    assert "B202" not in client.get("/my/rooms/").content.decode()
    assert client.get(f"/my/rooms/{mine.pk}/").status_code == 200
    assert client.get(f"/my/rooms/{other.pk}/").status_code == 404
    assert [r["name"] for r in client.get("/api/my/rooms/").json()] == ["A101"]
    assert client.get(f"/sittings/{sitting.pk}/").status_code == 403


def test_a_candidate_sees_only_their_own_ticket(org, scheduled, candidate):
    enrollments = list(Enrollment.objects.filter(sitting=scheduled).select_related("candidate__user"))
    own, other = enrollments[0], enrollments[1]
    client = client_for(own.candidate.user)
    page = client.get(f"/tickets/{own.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert own.admission_no in text and own.candidate.name in text
    assert own.candidate.id_number not in text  # masked on the ticket
    assert client.get(f"/tickets/{other.pk}/").status_code == 404
    assert client_for(candidate.user).get(f"/tickets/{own.pk}/").status_code == 404
    assert "查看准考证" in client.get("/").content.decode()
    assert [e["admission_no"] for e in client.get("/api/my/enrollments/").json()] == [own.admission_no]


def test_an_examiner_sees_the_roster_of_their_room_with_masked_ids(org, scheduled):
    room = Room.objects.get(sitting=scheduled, kind="written")
    examiner = room.assignments.first().examiner
    page = client_for(examiner).get(f"/my/rooms/{room.pk}/").content.decode()
    enrollment = Enrollment.objects.filter(sitting=scheduled).select_related("candidate").first()
    assert enrollment.admission_no in page
    assert enrollment.candidate.id_number not in page


def test_only_admins_plan_sittings(org, standard, examiner, candidate):
    sitting = make_sitting(org)
    for user in (examiner, candidate.user):
        client = client_for(user)
        assert client.get("/sittings/").status_code == 403
        assert client.post(f"/sittings/{sitting.pk}/do/schedule/").status_code == 403
        assert client.get("/api/sittings/").status_code == 403
        assert client.post(f"/api/sittings/{sitting.pk}/schedule/").status_code == 403


def test_the_sitting_page_says_which_room_lacks_examiners(org, bank, hr):
    sitting = make_sitting(org)
    enrol(sitting, org, 10)
    room_add(sitting=sitting, kind="written", name="A101", capacity=30)
    room_add(sitting=sitting, kind="practical", name="实训室1", capacity=30)
    page = client_for(hr).get(f"/sittings/{sitting.pk}/").content.decode()
    assert (
        "笔试考场「A101」有考生 10 人、考评员 0 人；按每 30 名考生 1 名考评员且每考场不少于 2 名的规定需要 2 名，还差 2 名"
        in page
    )
    assert "实操考场「实训室1」还没有指定考评组长" in page
    detail = client_for(hr).get(f"/api/sittings/{sitting.pk}/").json()
    assert [(r["name"], r["required"], r["ok"]) for r in detail["rooms"]] == [("A101", 2, False), ("实训室1", 4, False)]


def test_the_api_imports_a_roster(org, standard, hr):
    sitting = make_sitting(org)
    content = roster_xlsx(
        [
            {
                "工号": "X1",
                "姓名": "甲",
                "身份证号": "11010519491231002X",
                "手机号": "13800000000",
                "分公司": "城东分公司",
                "营业厅": "城东中心营业厅",
                "报考级别": "五级",
            }
        ]
    )
    client = client_for(hr)
    response = client.post(f"/api/sittings/{sitting.pk}/roster/", {"file": SimpleUploadedFile("r.xlsx", content)})
    assert response.status_code == 202  # imported in the background: the test's transaction never commits
    # …so run the job queued for after the commit, and follow its progress URL.
    from exams.tasks import import_roster

    import_roster(response.json()["id"])
    done = client.get(response.json()["progress_url"])
    assert done.status_code == 201
    assert done.json()["enrolled"] == 1


def test_the_api_refuses_scheduling_with_every_reason(org, bank, hr):
    sitting = make_sitting(org)
    response = client_for(hr).post(f"/api/sittings/{sitting.pk}/schedule/")
    assert response.status_code == 400
    assert response.json()["errors"][:3] == ["还没有考生报名", "还没有笔试考场", "还没有实操考场"]


def test_the_progress_api_reports_the_finished_assembly(scheduled, hr):
    body = client_for(hr).get(f"/api/sittings/{scheduled.pk}/progress/").json()
    assert (body["status"], body["done"], body["total"]) == ("done", 6, 6)
    assert "相同试卷 0 对" in body["report_text"]


def test_the_ticket_states_the_pass_marks_of_the_sittings_rules(org, scheduled):
    """The pass marks are level rules the admin may set: the ticket said 60 whatever they were."""
    from certify.standard.models import LevelRule

    scheduled.refresh_from_db()  # the standard version it froze when scheduled
    LevelRule.objects.filter(version=scheduled.standard_version, level=scheduled.level).update(
        written_pass_mark=65, practical_pass_mark=70
    )
    own = Enrollment.objects.filter(sitting=scheduled).select_related("candidate__user").first()
    text = client_for(own.candidate.user).get(f"/tickets/{own.pk}/").content.decode()
    assert "笔试达到 65 分、实操达到 70 分为合格" in text

from collections import Counter

from django.core.management import call_command
from django.test import Client

from certify.people.models import Branch, Candidate, Hall, Province, Role, User
from certify.site.demo import DEMO_PASSWORD
from certify.standard.models import StandardVersion


def test_the_demo_loads_everything_and_is_safe_to_run_twice(db, capsys):
    call_command("load_demo")
    call_command("load_demo")
    output = capsys.readouterr().out

    assert StandardVersion.objects.count() == 1
    assert Province.objects.count() == 1
    assert Branch.objects.count() == 2
    assert Hall.objects.count() == 4
    assert Candidate.objects.count() == 40
    assert Counter(User.objects.values_list("role", flat=True)) == {
        Role.CANDIDATE: 40,
        Role.EXAMINER: 5,
        Role.CHIEF_EXAMINER: 1,
        Role.ADMIN: 1,
    }
    assert Counter(Candidate.objects.values_list("level", flat=True)) == {5: 16, 4: 14, 3: 10}
    assert f"密码均为 {DEMO_PASSWORD}" in output
    from exams.planning.models import Sitting
    from exams.planning.services import schedule_problems

    sitting = Sitting.objects.get(status="enrolling")
    assert sitting.enrollments.count() == 6
    assert schedule_problems(sitting) == []  # ready to schedule from its page
    for username in ("hr", "examiner1", "chief", "E0001"):
        assert username in output
        signed_in = Client().post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 302 and signed_in["Location"] == "/"


def test_the_demos_marked_sitting_goes_from_marking_to_published_results(db):
    from certify.people.models import User
    from exams.planning.models import Sitting
    from grading.certificates.models import Certificate
    from grading.results.models import Result
    from grading.results.selectors import publication_blockers
    from grading.results.services import room_sign_off, sitting_publish

    call_command("load_demo")
    sitting = Sitting.objects.get(name="演示批次（已阅卷） 营业五级")
    assert sitting.status == "marking"
    assert publication_blockers(sitting) == ["第二考场：考评组长尚未签认", "第二实训室：考评组长尚未签认"]
    chief, hr = User.objects.get(username="chief"), User.objects.get(username="hr")
    for room in sitting.rooms.all():
        room_sign_off(room=room, by=chief)
    sitting_publish(sitting=sitting, by=hr)
    outcomes = dict(Result.objects.values_list("candidate__employee_no", "outcome"))
    assert outcomes == {
        "E0007": "passed",
        "E0008": "failed",
        "E0009": "passed",
        "E0010": "absent",
        "E0011": "failed",
        "E0012": "misconduct",
    }
    assert sorted(Certificate.objects.values_list("candidate__employee_no", flat=True)) == ["E0007", "E0009"]

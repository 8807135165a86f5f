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

    sitting = Sitting.objects.get()
    assert sitting.status == "enrolling" and sitting.enrollments.count() == 6
    assert schedule_problems(sitting) == []  # ready to schedule from its page
    for username in ("hr", "examiner1", "chief", "E0001"):
        assert username in output
        signed_in = Client().post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 302 and signed_in["Location"] == "/"

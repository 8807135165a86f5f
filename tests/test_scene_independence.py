"""Issue 11 (4): a panel member who has not scored a round sees no mark, no mean and no state
that reveals them, on any page or list, whatever their place in the order (first, middle, last,
late), the chief examiner included."""

import pytest

from exams.planning.models import Enrollment
from exams.practical.scenes import scene_run_start
from grading.scoring.scene_panel import panel_mean
from tests.conftest import client_for
from tests.security_helpers import day_open_now

pytestmark = pytest.mark.django_db

DIMENSIONS = ["image", "communication", "marketing", "retention", "complaint"]
REVEALING = ["已定分", "待复核", "分差过大", "评分中", "本轮考评组评分", "组长复核", "已提交"]


def form(total: int) -> dict[str, str]:
    base, rest = divmod(total, 5)
    return {d: str(base + (1 if i < rest else 0)) for i, d in enumerate(DIMENSIONS)}


@pytest.fixture
def day(org, standard):
    return day_open_now(org, candidates=4)


def blind_pages(day, viewer, run) -> list[str]:
    client = client_for(viewer)
    scene = client.get(f"/scenes/{run.pk}/").content.decode()
    room = client.get(f"/my/rooms/{day.practical.pk}/").content.decode()
    cell = room.split(f'data-testid="scene-{run.enrollment.admission_no}">', 1)[1].split("</td>", 1)[0]
    home = client.get("/").content.decode()
    to_review = home.split('data-testid="to-review"', 1)[1] if 'data-testid="to-review"' in home else ""
    return [scene.split("<h1>", 1)[1], cell, to_review.split("</section>", 1)[0]]


@pytest.mark.parametrize(
    "chief_position", [0, 1, 2, 3], ids=["chief-first", "chief-middle", "chief-last", "chief-late"]
)
def test_no_panel_member_sees_anything_of_a_round_before_scoring_it(day, chief_position):
    order = list(day.panel)
    order.insert(chief_position, day.chief)
    totals = [72, 78, 80, 70]
    enrollment = Enrollment.objects.filter(sitting=day.sitting).order_by("pk")[chief_position]
    run = scene_run_start(enrollment=enrollment, by=day.panel[0])
    means = {str(panel_mean(totals[:n])) for n in range(1, 5)}
    for place, member in enumerate(order):
        for waiting in order[place:]:
            for text in blind_pages(day, waiting, run):
                for word in [*REVEALING, *means]:
                    assert word not in text, (place, waiting.username, word)
            scene = client_for(waiting).get(f"/scenes/{run.pk}/").content.decode()
            assert "待您评分：提交前看不到其他考评员的评分和结果" in scene
            assert 'data-testid="score-form"' in scene
            home = client_for(waiting).get("/").content.decode()
            assert f'href="/scenes/{run.pk}/"' in home.split('data-testid="to-score"', 1)[1].split("</section>", 1)[0]
        response = client_for(member).post(f"/scenes/{run.pk}/", form(totals[place]))
        assert response.status_code == 302
        after = client_for(member).get(f"/scenes/{run.pk}/").content.decode()
        assert "本轮考评组评分" in after
    run.refresh_from_db()
    assert str(run.result) == str(panel_mean(totals))  # the late mark counts: nobody saw the result before giving it


def test_the_chief_reviews_a_wide_spread_only_after_giving_their_own_mark(day):
    for examiner, total in zip(day.panel, [60, 80, 70], strict=True):
        client_for(examiner).post(f"/scenes/{day.run.pk}/", form(total))
    chief = client_for(day.chief)
    page = chief.get(f"/scenes/{day.run.pk}/").content.decode()
    assert "分差过大" not in page and 'data-testid="review-form"' not in page and "70.00" not in page
    room = chief.get(f"/my/rooms/{day.practical.pk}/").content.decode()
    assert 'data-testid="review-queue"' not in room
    response = chief.post(
        f"/scenes/{day.run.pk}/", {"action": "review", "decision": "confirm", "reason": "看过录像"}, follow=True
    )
    assert "请先提交您本轮的评分，再进行复核" in response.content.decode()
    chief.post(f"/scenes/{day.run.pk}/", form(75))
    page = chief.get(f"/scenes/{day.run.pk}/").content.decode()
    assert 'data-testid="review-form"' in page
    assert 'data-testid="review-queue"' in chief.get(f"/my/rooms/{day.practical.pk}/").content.decode()

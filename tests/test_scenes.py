"""现场情景模拟: independent panel scoring, the spread rule, the minimum panel, the chief examiner, ICC."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from exams.planning.models import Enrollment, RoomExaminer
from exams.practical.material import material_load
from exams.practical.models import Scene, SceneReview, SceneScore
from exams.practical.scenes import (
    scene_reliability,
    scene_review,
    scene_round_state,
    scene_run_start,
    scene_score_submit,
    scene_scores_visible,
)
from tests.conftest import client_for
from tests.exam_helpers import running_now, synthetic_bank

pytestmark = pytest.mark.django_db


def marks(total: int) -> dict[str, int]:
    """Five marks adding up to ``total``, as even as possible."""
    base, rest = divmod(total, 5)
    return {
        d: base + (1 if i < rest else 0)
        for i, d in enumerate(["image", "communication", "marketing", "retention", "complaint"])
    }


@pytest.fixture
def room(org, standard):
    synthetic_bank()
    material_load()
    sitting = running_now(org, candidates=6, practical=True)
    enrollment = Enrollment.objects.filter(sitting=sitting).first()
    return enrollment.practical_room


@pytest.fixture
def panel(room):
    """The room's three examiners and its chief examiner (who is on the panel too)."""
    assignments = RoomExaminer.objects.filter(room=room).select_related("examiner").order_by("examiner__username")
    examiners = [a.examiner for a in assignments if not a.is_chief]
    chief = next(a.examiner for a in assignments if a.is_chief)
    return examiners, chief


@pytest.fixture
def run(room, panel):
    enrollment = room.practical_enrollments.order_by("pk").first()
    return scene_run_start(enrollment=enrollment, by=panel[0][0])


def test_a_scene_of_the_candidates_level_is_drawn_and_neighbours_differ(room, panel):
    runs = [scene_run_start(enrollment=e, by=panel[0][0]) for e in room.practical_enrollments.order_by("pk")[:3]]
    assert all(5 in run.scene.levels for run in runs)
    assert len({run.scene_id for run in runs}) == 3
    assert scene_run_start(enrollment=runs[0].enrollment, by=panel[0][1]).pk == runs[0].pk  # idempotent


def test_only_the_rooms_examiners_score(run, other_candidate):
    with pytest.raises(PermissionDenied):
        scene_score_submit(run=run, examiner=other_candidate.user, marks=marks(80))


def test_marks_are_validated_dimension_by_dimension(run, panel):
    with pytest.raises(ValidationError) as error:
        scene_score_submit(run=run, examiner=panel[0][0], marks={"image": 21, "communication": -1, "marketing": "x"})
    text = " ".join(error.value.messages)
    assert "服务形象及接待规范" in text and "沟通技能" in text and "主动营销能力" in text
    assert "客户保持能力" in text and "投诉处理能力" in text
    assert not SceneScore.objects.exists()


def test_an_examiner_cannot_read_a_colleagues_marks_before_submitting_their_own(run, panel):
    (a, b, c), chief = panel
    scene_score_submit(run=run, examiner=a, marks=marks(80), comments={"image": "起身迎候"})
    assert scene_scores_visible(run, b) == []
    assert scene_scores_visible(run, chief) == []  # fewer than three: not even the chief
    scene_score_submit(run=run, examiner=b, marks=marks(82))
    assert {s.examiner for s in scene_scores_visible(run, b)} == {a, b}
    assert {s.examiner for s in scene_scores_visible(run, a)} == {a, b}
    assert scene_scores_visible(run, c) == []


def test_a_submitted_mark_is_final(run, panel):
    scene_score_submit(run=run, examiner=panel[0][0], marks=marks(80))
    with pytest.raises(ValidationError, match="已提交本轮评分"):
        scene_score_submit(run=run, examiner=panel[0][0], marks=marks(90))


def test_fewer_than_three_scores_give_no_result(run, panel):
    (a, b, c), _chief = panel
    scene_score_submit(run=run, examiner=a, marks=marks(80))
    scene_score_submit(run=run, examiner=b, marks=marks(84))
    run.refresh_from_db()
    assert run.result is None and scene_round_state(run).status == "scoring"
    scene_score_submit(run=run, examiner=c, marks=marks(85))
    run.refresh_from_db()
    assert run.result == Decimal("83.00")  # (80 + 84 + 85) / 3


@pytest.mark.parametrize(("low", "high", "review"), [(70, 85, False), (70, 86, True)])
def test_the_spread_rule_at_its_boundary(run, panel, low, high, review):
    """A spread of exactly 15 stands; 16 goes to the chief examiner."""
    (a, b, c), _chief = panel
    for examiner, total in zip((a, b, c), (low, 78, high), strict=True):
        scene_score_submit(run=run, examiner=examiner, marks=marks(total))
    run.refresh_from_db()
    state = scene_round_state(run)
    assert state.spread == high - low
    assert state.needs_review is review
    assert (run.result is None) is review


def test_the_chief_examiner_confirms_a_spread_with_a_reason(run, panel):
    (a, b, c), chief = panel
    for examiner, total in zip((a, b, c), (60, 70, 90), strict=True):
        scene_score_submit(run=run, examiner=examiner, marks=marks(total))
    assert scene_scores_visible(run, chief) == []  # the chief is on the panel: blind until they score
    with pytest.raises(ValidationError, match="请先提交您本轮的评分，再进行复核"):
        scene_review(run=run, chief=chief, decision="confirm", reason="我看可以")
    scene_score_submit(run=run, examiner=chief, marks=marks(74))
    assert {s.examiner for s in scene_scores_visible(run, chief)} == {a, b, c, chief}  # to decide, the chief sees all
    with pytest.raises(PermissionDenied):
        scene_review(run=run, chief=a, decision="confirm", reason="我看可以")
    with pytest.raises(ValidationError, match="请填写复核理由"):
        scene_review(run=run, chief=chief, decision="confirm", reason="  ")
    review = scene_review(run=run, chief=chief, decision="confirm", reason="考生前后表现差异大，三位评分均有依据")
    run.refresh_from_db()
    assert run.result == Decimal("73.50") and review.spread == 30
    with pytest.raises(ValidationError, match="无需复核"):
        scene_review(run=run, chief=chief, decision="confirm", reason="再次确认")


def test_the_chief_examiner_asks_for_rescoring_and_the_old_marks_are_kept(run, panel):
    (a, b, c), chief = panel
    for examiner, total in zip((a, b, c), (50, 70, 90), strict=True):
        scene_score_submit(run=run, examiner=examiner, marks=marks(total))
    assert scene_round_state(run).needs_review
    scene_score_submit(run=run, examiner=chief, marks=marks(70))  # a late panel member still counts
    assert scene_round_state(run).submitted == 4 and scene_round_state(run).needs_review
    scene_review(run=run, chief=chief, decision="rescore", reason="评分标准理解不一致，请对照锚定重新评分")
    run.refresh_from_db()
    assert run.round == 2 and run.result is None
    assert scene_scores_visible(run, a) == []  # a new round: independence again
    for examiner, total in zip((a, b, c), (72, 70, 76), strict=True):
        scene_score_submit(run=run, examiner=examiner, marks=marks(total))
    run.refresh_from_db()
    assert run.result == Decimal("72.67")
    assert SceneScore.objects.filter(run=run, round=1).count() == 4  # the first round is kept
    assert SceneReview.objects.get(run=run).decision == "rescore"


def test_icc_per_room_and_sitting_on_the_shrout_fleiss_data(room, panel):
    """Shrout & Fleiss (1979), table 2: 6 candidates × 4 judges; ×10 to make scene totals."""
    data = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    (a, b, c), chief = panel
    for enrollment, row in zip(room.practical_enrollments.order_by("pk"), data, strict=True):
        run = scene_run_start(enrollment=enrollment, by=a)
        for examiner, value in zip((a, b, c, chief), row, strict=True):
            scene_score_submit(run=run, examiner=examiner, marks=marks(value * 10))
        if scene_round_state(run).needs_review:
            scene_review(run=run, chief=chief, decision="confirm", reason="数据集")
    [room_icc, sitting_icc] = scene_reliability(room.sitting)
    assert room_icc.single.form == "ICC(2,1)" and round(room_icc.single.value, 2) == 0.29
    assert room_icc.panel.form == "ICC(2,k)" and round(room_icc.panel.value, 2) == 0.62
    assert sitting_icc.single.form == "ICC(1,1)" and round(sitting_icc.single.value, 2) == 0.17
    assert round(sitting_icc.panel.value, 2) == 0.44
    assert room_icc.single.explanation


def test_the_shipped_scenes_have_anchors_for_every_dimension_and_level(standard):
    material_load()
    for level in (5, 4, 3):
        assert sum(1 for s in Scene.objects.all() if level in s.levels) >= 4
    assert Scene.objects.count() >= 12
    for scene in Scene.objects.all():
        assert set(scene.anchors) == {"image", "communication", "marketing", "retention", "complaint"}
        assert scene.source.split()[0].endswith(".txt")


def test_the_scoring_page_is_for_the_rooms_panel_only_and_names_what_is_missing(run, panel, examiner, candidate):
    url = f"/scenes/{run.pk}/"
    member = client_for(panel[0][0])
    page = member.get(url)
    assert (
        page.status_code == 200
        and "情景脚本" in page.content.decode()
        and run.scene.examiner_role[:10] in page.content.decode()
    )
    assert client_for(examiner).get(url).status_code == 404  # an examiner of another room
    assert client_for(candidate.user).get(url).status_code == 403
    response = member.post(url, {"image": "15", "communication": "14", "comment_image": "仪容规范"})
    body = response.content.decode()
    assert (
        response.status_code == 200 and "请为“主动营销能力”评分" in body and "仪容规范" in body
    )  # kept for correction
    assert not SceneScore.objects.exists()
    member.post(url, dict.fromkeys(("image", "communication", "marketing", "retention", "complaint"), "15"))
    assert SceneScore.objects.get().total == 75


def test_the_examiners_home_lists_scenes_to_score_and_the_chief_the_ones_to_review(run, panel):
    (a, b, c), chief = panel
    assert client_for(a).get("/").context["to_score"] == [run]
    for examiner, total in zip((a, b, c), (50, 70, 90), strict=True):
        scene_score_submit(run=run, examiner=examiner, marks=marks(total))
    home = client_for(a).get("/")
    assert home.context["to_score"] == [] and home.context["to_review"] == []  # a's part is done
    home = client_for(chief).get("/")
    assert home.context["to_score"] == [run] and home.context["to_review"] == []  # blind until the chief scores
    scene_score_submit(run=run, examiner=chief, marks=marks(70))
    home = client_for(chief).get("/")
    assert home.context["to_review"] == [run] and run.scene.title in home.content.decode()


def test_the_chief_sees_the_panels_reliability_on_the_room_page_and_examiners_do_not(room, panel):
    (a, b, c), chief = panel
    for enrollment, totals in zip(
        room.practical_enrollments.order_by("pk"), ((60, 62, 64), (80, 78, 82)), strict=False
    ):
        run = scene_run_start(enrollment=enrollment, by=a)
        for examiner, total in zip((a, b, c), totals, strict=True):
            scene_score_submit(run=run, examiner=examiner, marks=marks(total))
    page = client_for(chief).get(f"/my/rooms/{room.pk}/").content.decode()
    assert "评分一致性" in page and "ICC(2,1)" in page and "ICC(1,k)" in page and "全批次" in page
    assert "ICC(2,1)" not in client_for(a).get(f"/my/rooms/{room.pk}/").content.decode()

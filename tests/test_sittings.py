"""Sittings: examiner rules at their boundaries, scheduling, seats and admission numbers, paper assembly."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from exams.papers.assembly import build_paper
from exams.papers.models import Assembly, AssemblyStatus, Paper, PaperItem
from exams.papers.services import assembly_pools, paper_rebuild, papers_assemble
from exams.planning.models import Enrollment, SittingStatus
from exams.planning.selectors import room_rules
from exams.planning.services import examiner_assign, room_add, schedule_problems
from exams.sittings import sitting_schedule, sitting_start
from question_bank.models import Item, ItemVersion
from question_bank.services.items import item_update
from question_bank.validation import ItemData
from tests.exam_helpers import enrol, make_examiners, make_sitting, ready_sitting, synthetic_bank


@pytest.fixture
def bank(standard):
    synthetic_bank()


@pytest.fixture
def schedule(django_capture_on_commit_callbacks):
    """Schedule and run what waits for the commit (the assembly task, in-process here)."""

    def run(sitting, *, seed):
        with django_capture_on_commit_callbacks(execute=True):
            return sitting_schedule(sitting=sitting, by=None, seed=seed)

    return run


def rule_of(sitting, name):
    return next(rule for rule in room_rules(sitting) if rule.room.name == name)


@pytest.mark.parametrize(("candidates", "required"), [(30, 2), (31, 2), (60, 2), (61, 3)])
def test_a_written_room_needs_one_examiner_per_30_and_at_least_2(org, standard, candidates, required):
    sitting = make_sitting(org)
    enrol(sitting, org, candidates)
    room_add(sitting=sitting, kind="written", name="A101", capacity=80)
    assert rule_of(sitting, "A101").required == required


@pytest.mark.parametrize(("candidates", "required"), [(3, 3), (9, 3), (10, 4)])
def test_a_practical_room_needs_one_examiner_per_3_and_at_least_3(org, standard, candidates, required):
    sitting = make_sitting(org)
    enrol(sitting, org, candidates)
    room_add(sitting=sitting, kind="practical", name="实训室1", capacity=20)
    assert rule_of(sitting, "实训室1").required == required


def test_the_provinces_own_practical_ratio_applies(org, standard):
    org.province.practical_examiner_ratio = 5
    org.province.save()
    sitting = make_sitting(org)
    enrol(sitting, org, 20)
    room_add(sitting=sitting, kind="practical", name="实训室1", capacity=20)
    assert rule_of(sitting, "实训室1").required == 4


def test_scheduling_is_refused_naming_the_room_its_people_and_what_is_missing(org, bank, schedule):
    sitting = make_sitting(org)
    enrol(sitting, org, 31)
    written = room_add(sitting=sitting, kind="written", name="A101", capacity=40)
    practical = room_add(sitting=sitting, kind="practical", name="实训室1", capacity=40)
    examiner_assign(room=written, examiner=make_examiners(org, 1)[0])
    for examiner in make_examiners(org, 9, prefix="p"):
        examiner_assign(room=practical, examiner=examiner)

    with pytest.raises(ValidationError) as refused:
        sitting_schedule(sitting=sitting, by=None)
    assert refused.value.messages == [
        "笔试考场「A101」有考生 31 人、考评员 1 人；按每 30 名考生 1 名考评员且每考场不少于 2 名的规定需要 2 名，还差 1 名",
        "实操考场「实训室1」有考生 31 人、考评员 9 人；按每 3 名考生 1 名考评员且每考场不少于 3 名的规定需要 11 名，还差 2 名",
        "实操考场「实训室1」还没有指定考评组长",
    ]
    sitting.refresh_from_db()
    assert sitting.status == SittingStatus.ENROLLING
    assert not Enrollment.objects.filter(sitting=sitting, admission_no__isnull=False).exists()


def test_an_examiner_cannot_be_in_two_rooms_at_overlapping_times(org, standard):
    first = make_sitting(org, name="第一批")
    second = make_sitting(org, name="第二批")  # same day, same hours
    examiner = make_examiners(org, 1)[0]
    examiner_assign(room=room_add(sitting=first, kind="written", name="A101", capacity=30), examiner=examiner)
    room = room_add(sitting=second, kind="written", name="B201", capacity=30)
    with pytest.raises(ValidationError) as refused:
        examiner_assign(room=room, examiner=examiner)
    assert refused.value.messages == [
        "考评员ex1 已被安排在「第一批」的笔试考场 A101（12-10 09:00–10:30），时间与本考场重叠"
    ]
    # The practical part of the other sitting does not overlap its own written room.
    examiner_assign(room=room_add(sitting=first, kind="practical", name="实训室1", capacity=9), examiner=examiner)


def test_only_a_chief_examiner_chairs_a_practical_room(org, standard):
    sitting = make_sitting(org)
    room = room_add(sitting=sitting, kind="practical", name="实训室1", capacity=9)
    with pytest.raises(ValidationError, match="不是考评组长"):
        examiner_assign(room=room, examiner=make_examiners(org, 1)[0], is_chief=True)


def test_scheduling_seats_everyone_and_neighbours_come_from_different_halls(org, bank, schedule):
    sitting = ready_sitting(org, candidates=12)
    schedule(sitting, seed=7)
    enrollments = list(Enrollment.objects.filter(sitting=sitting).order_by("seat").select_related("candidate"))
    assert [e.seat for e in enrollments] == list(range(1, 13))
    assert [e.admission_no for e in enrollments][:2] == [f"{sitting.code}01001", f"{sitting.code}01002"]
    halls = [e.candidate.hall_id for e in enrollments]
    assert all(a != b for a, b in itertools.pairwise(halls))
    assert all(e.practical_room_id for e in enrollments)


def test_scheduling_freezes_the_rules_and_assembles_every_paper(org, bank, schedule):
    sitting = ready_sitting(org, candidates=12)
    sitting = schedule(sitting, seed=7)
    sitting.refresh_from_db()
    assert sitting.status == SittingStatus.SCHEDULED
    assert sitting.standard_version.number == 1
    assembly = sitting.assembly
    assert assembly.blueprint["single_count"] == 40
    # Embedded default: the task ran in-process when the transaction committed.
    assert assembly.status == AssemblyStatus.DONE
    assert (assembly.done, assembly.total) == (12, 12)
    assert assembly.report["identical_pairs"] == 0

    quotas = assembly.blueprint["chapter_quotas"]
    for paper in Paper.objects.filter(enrollment__sitting=sitting).prefetch_related(
        "items__item_version__knowledge_point"
    ):
        items = list(paper.items.all())
        assert len(items) == 62
        assert len({i.item_version_id for i in items}) == 62
        for kind, count in (("single", 40), ("multiple", 20), ("situational", 2)):
            of_kind = [i for i in items if i.item_version.type == kind]
            assert len(of_kind) == count
            for chapter, quota in (quotas.get(kind) or {}).items():
                assert sum(1 for i in of_kind if i.item_version.knowledge_point.code.startswith(f"{chapter}.")) == quota
        assert abs(float(paper.mean_difficulty) - 1.8) <= 0.3 + 1e-9
    sitting_start(sitting=sitting)


def test_the_option_shuffle_keeps_the_key_right(org, bank, schedule):
    sitting = schedule(ready_sitting(org, candidates=6), seed=11)
    for item in PaperItem.objects.filter(paper__enrollment__sitting=sitting).select_related("item_version"):
        version = item.item_version
        if version.type == "situational":
            assert item.option_order == []
            continue
        assert sorted(item.option_order) == list(range(len(version.options)))
        shown = [version.options[i] for i in item.option_order]
        # The key, in the letters the candidate sees, points at the same option texts.
        shown_key = "".join(sorted("ABCDEFGH"[item.option_order.index("ABCDEFGH".index(k))] for k in version.answer))
        assert {shown["ABCDEFGH".index(k)] for k in shown_key} == {
            version.options["ABCDEFGH".index(k)] for k in version.answer
        }


def test_the_same_seed_rebuilds_the_same_paper(org, bank, schedule):
    sitting = schedule(ready_sitting(org, candidates=6), seed=42)
    paper = Paper.objects.filter(enrollment__sitting=sitting).order_by("index")[3]
    rebuilt = paper_rebuild(paper=paper)
    stored = list(paper.items.order_by("position").values_list("item_version_id", "option_order"))
    assert [(e.version_id, list(e.option_order)) for e in rebuilt.entries] == stored
    other_seed = build_paper(
        seed=43, index=paper.index, salt=0, pools=assembly_pools(sitting.assembly), target=1.8, tolerance=0.3
    )
    assert [e.version_id for e in other_seed.entries] != [e.version_id for e in rebuilt.entries]


def test_an_item_edited_after_scheduling_does_not_change_the_papers(org, bank, hr, schedule):
    sitting = schedule(ready_sitting(org, candidates=4), seed=5)
    paper_item = PaperItem.objects.filter(paper__enrollment__sitting=sitting).select_related("item_version").first()
    version = paper_item.item_version
    item = Item.objects.get(pk=version.item_id)
    data = ItemData(
        type=version.type,
        level=version.level,
        knowledge_point=version.knowledge_point,
        difficulty=version.difficulty,
        stem=version.stem + "（已修订）",
        case=version.case,
        options=version.options,
        answer=version.answer,
        explanation=version.explanation,
        rubric=[],
        source="",
    )
    item_update(item=item, data=data, by=hr)
    version.refresh_from_db()
    assert not version.stem.endswith("（已修订）")
    paper = paper_item.paper
    assert [e.version_id for e in paper_rebuild(paper=paper).entries] == list(
        paper.items.order_by("position").values_list("item_version_id", flat=True)
    )


def test_the_job_run_twice_writes_each_paper_once(org, bank, schedule):
    sitting = schedule(ready_sitting(org, candidates=8), seed=3)
    before = list(
        PaperItem.objects.filter(paper__enrollment__sitting=sitting).values_list("paper__index", "item_version_id")
    )
    Paper.objects.filter(enrollment__sitting=sitting, index__gte=5).delete()  # as if the first run died part-way
    report = papers_assemble(sitting_id=sitting.pk)
    assert report["written"] == 3
    papers_assemble(sitting_id=sitting.pk)
    after = list(
        PaperItem.objects.filter(paper__enrollment__sitting=sitting).values_list("paper__index", "item_version_id")
    )
    assert sorted(after) == sorted(before)
    assert Paper.objects.filter(enrollment__sitting=sitting).count() == 8


def test_an_infeasible_blueprint_refuses_scheduling_before_anything_is_written(org, bank, schedule):
    sitting = ready_sitting(org, candidates=6)
    Item.objects.filter(current__knowledge_point__code="1.1").update(status="retired")
    problems = schedule_problems(sitting)
    assert "第一章 单项选择题需要 8 道（营业五级、难度 1–4），题库中只有 0 道启用的题目" in problems
    with pytest.raises(ValidationError):
        sitting_schedule(sitting=sitting, by=None)
    sitting.refresh_from_db()
    assert sitting.status == SittingStatus.ENROLLING
    assert not Assembly.objects.filter(sitting=sitting).exists()
    assert not Paper.objects.exists()
    assert not ItemVersion.objects.filter(first_used_at__isnull=False).exists()


def test_a_failed_assembly_is_shown_and_the_admin_queues_it_again(
    org, bank, hr, monkeypatch, django_capture_on_commit_callbacks
):
    """Issue 15 (11): a failed assembly could not be queued again from the product, and 开考 then refused."""
    import exams.papers.services as paper_services
    from tests.conftest import client_for

    real = paper_services._write_batch

    def broken(sitting, batch):
        raise RuntimeError("数据库连接中断")

    monkeypatch.setattr(paper_services, "_write_batch", broken)
    sitting = ready_sitting(org, candidates=4)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        sitting_schedule(sitting=sitting, by=None, seed=5)  # the task fails (in-process: it raises here)
    assert Assembly.objects.get(sitting=sitting).status == AssemblyStatus.FAILED

    admin = client_for(hr)
    page = admin.get(f"/sittings/{sitting.pk}/").content.decode()
    assert "组卷失败：RuntimeError(&#x27;数据库连接中断&#x27;)" in page and "重新组卷" in page
    with pytest.raises(ValidationError, match="组卷失败，请先在本页点击“重新组卷”"):
        sitting_start(sitting=sitting)

    monkeypatch.setattr(paper_services, "_write_batch", real)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/sittings/{sitting.pk}/do/retry-assembly/", follow=True)
    assert "已重新开始组卷。" in response.content.decode()
    assembly = Assembly.objects.get(sitting=sitting)
    assert (assembly.status, assembly.done, assembly.error) == (AssemblyStatus.DONE, 4, "")
    assert "重新组卷" not in admin.get(f"/sittings/{sitting.pk}/").content.decode()

    # Only a failed assembly is queued again; the API says why not.
    again = admin.post(f"/api/sittings/{sitting.pk}/retry-assembly/")
    assert again.status_code == 400 and "没有失败，无需重新组卷" in str(again.json())
    assert sitting_start(sitting=sitting).status == SittingStatus.IN_PROGRESS

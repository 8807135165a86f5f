"""The bench scripts import, parse their options and answer --help without a database or wrk.

Speed is measured by running them (README, Benchmarks), never asserted here.
"""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import floor  # noqa: E402
import floor_apps  # noqa: E402
import procstat  # noqa: E402


@pytest.mark.parametrize(
    "script",
    [
        "floor.py",
        "exam_day.py",
        "request_cost.py",
        "assembly.py",
        "typing_score.py",
        "results.py",
        "exports.py",
        "item_analysis.py",
    ],
)
def test_help(script):
    done = subprocess.run([sys.executable, str(BENCH / script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


def test_floor_options():
    args = floor.parser().parse_args(["--server", "gthread,granian", "--workers", "1,2", "--variants", "P"])
    assert args.server == ["gthread", "granian"]
    assert args.workers == [1, 2]
    assert args.variants == ["P"]
    with pytest.raises(SystemExit):
        floor.parser().parse_args(["--server", "apache"])


def test_floor_server_commands_share_the_concurrency():
    gthread = floor.server_command("gthread", "floor_apps:f0", 8000, 3, 2)
    assert gthread[gthread.index("--workers") + 1] == "3" and gthread[gthread.index("--threads") + 1] == "2"
    sync = floor.server_command("sync", "floor_apps:f0", 8000, 3, 2)
    assert sync[sync.index("--workers") + 1] == "6"
    assert floor.server_command("bjoern", "floor_apps:f0", 8000, 3, 2)[-1] == "6"


def test_floor_values_fit_their_questions():
    assert floor.answer_values("single", 4) == (["A"], ["B"])
    assert floor.answer_values("multiple", 4) == (["A", "B"], ["A", "C"])
    assert all(isinstance(v, str) for v in floor.answer_values("situational", 0))


def test_f0_reads_the_body_and_answers_200():
    seen = {}
    body = b"".join(
        floor_apps.f0(
            {"CONTENT_LENGTH": "3", "wsgi.input": io.BytesIO(b"abc")}, lambda status, headers: seen.update(s=status)
        )
    )
    assert seen["s"] == "200 OK" and json.loads(body) == {}


def test_f1_checks_the_shape_before_the_database():
    assert floor_apps._shape(["C", "A"]) == (["A", "C"], False, 2, 2)
    assert floor_apps._shape("文字") == ("文字", True, -1, 0)
    assert floor_apps._shape(["A", "A"]) is None
    assert floor_apps._shape(["Z"]) is None
    assert floor_apps._shape(3) is None
    assert floor_apps._shape("字" * (floor_apps.MAX_TEXT_ANSWER + 1)) is None


def test_profile_summary_counts_inclusive_and_self_shares():
    collapsed = "main;handler;query 3\nmain;handler 1\n"
    report = procstat.summarize_profile(collapsed)
    assert report["samples"] == 4
    assert [75.0, "query"] in report["self_percent"]
    assert [100.0, "handler"] in report["inclusive_percent"]


def test_procstat_reads_this_process():
    import os

    assert procstat.process_cpu(os.getpid()) > 0
    assert os.getpid() in procstat.tree(os.getpid())
    assert procstat.machine_busy_seconds() > 0


def test_cpu_meter_counts_this_process_and_the_machine():
    import os
    import time

    meter = procstat.CpuMeter({"me": lambda: [os.getpid()]})
    meter.start()
    end = time.process_time() + 0.2
    while time.process_time() < end:
        pass
    used = meter.stop()
    assert used["cpu_seconds"]["me"] >= 0.1
    assert used["cpu_seconds"]["bench_process"] >= 0.1
    assert used["machine_cores_busy"] > 0


def test_exam_day_runs_the_production_server_or_gunicorn():
    import exam_day

    granian = exam_day.web_command("granian", 3, 2, 8000)
    assert "granian" in granian and granian[granian.index("--blocking-threads") + 1] == "2"
    assert granian[-1] == "certify.wsgi:application"
    gunicorn = exam_day.web_command("gunicorn", 3, 2, 8000)
    assert gunicorn[gunicorn.index("--threads") + 1] == "2" and "gthread" in gunicorn


def test_exam_day_reports_the_busiest_minute_of_saves():
    import exam_day

    # 10 saves/s for 100 s, then 50/s for 60 s: the busiest minute is the second part.
    done = [i / 10 for i in range(1000)] + [100 + i / 50 for i in range(3000)]
    latency = [0.5] * 1000 + [0.01] * 2990 + [0.2] * 10
    busiest = exam_day.busiest_minute(done, latency)
    assert 49.0 <= busiest["saves_per_second"] <= 51.0
    assert busiest["save_latency_ms_p50_p95_p99"][0] == 10.0
    assert exam_day.busiest_minute([], []) == {}

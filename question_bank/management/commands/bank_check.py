from django.core.management.base import BaseCommand, CommandError

from question_bank.services.health import bank_check


class Command(BaseCommand):
    help = "题库体检：逐题列出命题问题（每条注明规则）；有未复核的问题时以状态码 1 退出。"

    def add_arguments(self, parser):
        parser.add_argument("--reviewed", action="store_true", help="同时列出已复核的问题及理由")
        parser.add_argument("--stats", action="store_true", help="列出多选题答案个数分布等统计")

    def handle(self, *args, reviewed: bool = False, stats: bool = False, **options):
        report = bank_check()
        for version, findings in report.by_item():
            shown = [f for f in findings if f.is_open or reviewed]
            if not shown:
                continue
            if version is None:
                self.stdout.write("组卷规则")
            else:
                self.stdout.write(
                    f"第 {version.item_id} 题（{version.get_type_display()}·{version.get_level_display()}·"
                    f"{version.knowledge_point.code}）{version.stem[:40]}"
                )
            for finding in shown:
                state = "待处理" if finding.is_open else f"已复核：{finding.review.reason}"
                self.stdout.write(f"  [{finding.rule_label}] {finding.message}（{state}）")
        if stats:
            for name, value in report.stats.items():
                self.stdout.write(f"{name}: {value}")
        summary = "；".join(f"{label} {opened}" for _rule, label, opened, _done in report.counts() if opened)
        checked, opened, done = len(report.versions), len(report.open), len(report.reviewed)
        self.stdout.write(
            f"共检查 {checked} 道题：未处理的问题 {opened} 条，已复核 {done} 条。"
            + (f"（{summary}）" if summary else "")
        )
        if report.open:
            raise CommandError(f"题库体检发现 {len(report.open)} 条未处理的问题", returncode=1)
        self.stdout.write(self.style.SUCCESS("题库体检通过。"))

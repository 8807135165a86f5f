from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from question_bank.services.excel import bank_import


class Command(BaseCommand):
    help = "从 Excel 文件导入题目：整份文件校验，有任何错误则不导入并列出全部错误。"

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        report = bank_import(content=path.read_bytes(), by=None)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"发现 {len(report.errors)} 处错误，未导入任何题目。")
        self.stdout.write(self.style.SUCCESS(f"导入成功：新增 {report.created} 道题目。"))

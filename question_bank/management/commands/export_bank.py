from pathlib import Path

from django.core.management.base import BaseCommand

from question_bank.selectors import ItemFilters, current_versions, item_list
from question_bank.services.excel import bank_export


class Command(BaseCommand):
    help = "把题目导出为 Excel（与导入模板格式相同）。"

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--status", default="", help="只导出该状态的题目：draft / active / retired")
        parser.add_argument("--level", default="", help="只导出该级别的题目：5 / 4 / 3")

    def handle(self, *args, path: Path, status: str, level: str, **options):
        items = item_list(filters=ItemFilters(status=status, level=level))
        path.write_bytes(bank_export(versions=current_versions(items=items)))
        self.stdout.write(self.style.SUCCESS(f"已导出 {items.count()} 道题目到 {path}"))

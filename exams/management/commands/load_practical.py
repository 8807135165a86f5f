from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exams.practical.material import FIXTURES, material_load


class Command(BaseCommand):
    help = "载入（或更新）实操素材：文字阅录文本、示例产品目录、业务受理任务卡和情景模拟脚本。"

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=FIXTURES, help="素材目录（默认 fixtures/）")
        parser.add_argument("--replace", action="store_true", help="覆盖已有条目（含管理员在后台的修改）")

    def handle(self, *args, dir: Path, replace: bool, **options):
        try:
            report = material_load(directory=dir, replace=replace)
        except ValidationError as exc:
            raise CommandError("素材有误，未写入任何内容：\n  " + "\n  ".join(exc.messages)) from None
        verb = "写入" if replace else "新增"
        self.stdout.write(
            self.style.SUCCESS(
                f"实操素材已载入：{verb}文本 {report.passages} 篇、产品 {report.products} 个、"
                f"任务卡 {report.scenarios} 张、情景 {report.scenes} 个。"
            )
        )

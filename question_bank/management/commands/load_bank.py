from django.core.management.base import BaseCommand

from question_bank.services.blueprints import blueprints_load_defaults
from question_bank.services.items import bank_load_shipped


class Command(BaseCommand):
    help = "载入知识点、随附题库（fixtures/bank）和各级别默认组卷规则；已有的题目与规则不重复载入。"

    def handle(self, *args, **options):
        added = bank_load_shipped()
        blueprints = blueprints_load_defaults()
        self.stdout.write(self.style.SUCCESS(f"题库新增 {added} 道题目，新建组卷规则 {blueprints} 个。"))

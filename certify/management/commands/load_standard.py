from django.core.management.base import BaseCommand

from certify.standard.services import standard_load_defaults


class Command(BaseCommand):
    help = "从 fixtures/standard.json 载入认证标准默认值（已有版本时不做改动）。"

    def handle(self, *args, **options):
        version, created = standard_load_defaults()
        if created:
            self.stdout.write(self.style.SUCCESS(f"已载入认证标准第 {version.number} 版。"))
        else:
            self.stdout.write(f"认证标准已是第 {version.number} 版，未做改动。")

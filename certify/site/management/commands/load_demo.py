from django.core.management.base import BaseCommand

from certify.site.demo import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "载入认证标准和演示数据：一个省公司、两个分公司、四个营业厅、考评人员和 40 名考生（可重复运行）。"

    def handle(self, *args, **options):
        logins = demo_load()
        self.stdout.write(self.style.SUCCESS(f"演示数据已载入。登录账号（密码均为 {DEMO_PASSWORD}）："))
        for login in logins:
            extra = f"（{login.note}）" if login.note else ""
            self.stdout.write(f"  {login.username:<10} {login.name:<4} {login.role}{extra}")
        self.stdout.write("  考生账号为工号 E0001–E0040，密码相同。")

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_groups(sender, **kwargs) -> None:
    from certify.people.services import role_groups_sync

    role_groups_sync()


class CertifyConfig(AppConfig):
    name = "certify"
    verbose_name = _("认证基础")

    def ready(self) -> None:
        # Runs after every app's migrations, when all permissions exist.
        post_migrate.connect(_sync_role_groups, dispatch_uid="certify-role-groups")
        # The first-login secret is consumed by the sign-in (a user_logged_in receiver).
        from certify.people import auth  # noqa: F401


class CertifyModelsConfig(CertifyConfig):
    """The certify app as the export process loads it (``certify/settings_export.py``): its models
    only. That process never signs anyone in nor migrates, so neither receiver is connected (the
    sign-in module alone would load DRF and drf-spectacular)."""

    default = False

    def ready(self) -> None:
        pass

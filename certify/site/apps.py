from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The site: home pages, dashboards and the demo data. The one part of ``certify`` that may
    import every other app; it has no models of its own."""

    name = "certify.site"
    label = "certify_site"
    verbose_name = _("站点")

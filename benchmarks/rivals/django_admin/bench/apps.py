"""App config (label ``bench``)."""

from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The work-log admin app."""

    name = "benchmarks.rivals.django_admin.bench"
    label = "bench"
    verbose_name = "服务记录"

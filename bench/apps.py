from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "bench"
    verbose_name = "规模测试（城市生成器与基准）"

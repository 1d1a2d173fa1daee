from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kanmin.demo"
    label = "demo"
    verbose_name = "Demo"

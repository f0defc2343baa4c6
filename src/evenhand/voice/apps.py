from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "evenhand.voice"
    label = "voice"
    verbose_name = "Safe voice"

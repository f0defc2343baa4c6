"""Mounted at ``api/v1/`` by the project's URLconf: the operations, ``openapi.json`` and ``docs``."""

from django.urls import path

from .api import api

urlpatterns = [path("", api.urls)]

"""The access log's page is in ``evenhand.people.urls``: it names the people, which ``audit`` (below ``people``)
cannot."""

urlpatterns: list = []

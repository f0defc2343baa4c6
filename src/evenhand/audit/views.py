"""The access log's page is ``evenhand.people.views.read_access_log``: it shows each entry by the person's CRN
and name, which only ``people`` (above ``audit``) can look up."""

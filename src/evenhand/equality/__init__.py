"""Equality monitoring: disparity statistics, unit comparison, data completeness and publication.

So far this package holds only :mod:`evenhand.equality.stats`, the statistics with no Django import. The
measures catalogue, the command line, publication and the dashboard build on it (issue 4), and the Django app
configuration is added with them.
"""

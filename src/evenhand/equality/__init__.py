"""Equality monitoring: disparity statistics, unit comparison, data completeness and publication.

:mod:`evenhand.equality.stats` holds the statistics, with no Django import; the measures catalogue, the
dashboard and the publication build on them. :func:`analyse_frame` (from :mod:`evenhand.equality.frame`) runs
``evenhand equality analyse`` on a pandas DataFrame in a notebook or script, without configuring Django::

    from evenhand.equality import analyse_frame

It is imported on first use, so importing this package (as Django does for the app) stays cheap.
"""

from typing import Any

__all__ = ["analyse_frame"]


def __getattr__(name: str) -> Any:
    if name == "analyse_frame":
        from .frame import analyse_frame

        return analyse_frame
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Publication building blocks for the equality reports: disclosure control and accessible spreadsheets.

Plain functions over pandas frames, with no Django import, so they can be tested on their own and used
from the command line.

Modules
-------
- :mod:`.disclosure`: ``suppress`` (cells of 1-4 people shown as ``[c]``, with secondary suppression so
  no suppressed cell can be worked out from totals, and every figure derived from a suppressed count
  suppressed too) and ``check_published``, the gate every table passes before it is written.
- :mod:`.ods`: ``write_ods``, an OpenDocument spreadsheet laid out as the Analysis Function's "Releasing
  statistics in spreadsheets" asks (cover sheet, contents, notes, one table per sheet), and ``write_csv``.
"""

"""A pre-sentence report as a document: one accessible HTML page (headings in order, a language, tables with
header cells, no colour alone carrying meaning), and the same page as a PDF through the PDF library the
equality publication uses (WeasyPrint). Shaped by the door: only staff who see identities get here."""

from django.template.loader import render_to_string

from .door import ReportPage


def render_html(page: ReportPage) -> str:
    return render_to_string(
        "assessment/report_document.html", {"page": page, "r": page.report, "p": page.person}
    )


def render_pdf(page: ReportPage) -> bytes:
    from weasyprint import HTML  # imported when needed: loading it costs a second at start-up

    pdf = HTML(string=render_html(page)).write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None
    return pdf


def file_name(page: ReportPage) -> str:
    r = page.report
    return f"pre-sentence-report-{page.person.crn}-{r.hearing_date:%Y%m%d}-v{r.version}.pdf"

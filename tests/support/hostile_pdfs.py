"""Tiny PDFs that cost a careless pipeline gigabytes or days: made here, byte for byte.

Each is what the attack on issue 15 fed an ingest: a few hundred bytes that describe a
page the size of a city, or a document of twenty thousand pages.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf

TEXT = b"BT /F1 24 Tf 72 700 Td (Bescheid ueber die Hundesteuer 2024 fuer den Hund Bello) Tj ET"


def _text_page(pdf: pikepdf.Pdf, width: float, height: float) -> pikepdf.Dictionary:
    """A page with one line of text in a font the file does not embed (so it is OCR'd)."""
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    return pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, width, height],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
        Contents=pdf.make_stream(TEXT),
    )


def user_unit_pdf(path: Path, user_unit: float = 75_000, side_pt: float = 612) -> Path:
    """One page of `side_pt` x `side_pt` points, each point `user_unit` times 1/72 inch:
    with the defaults a page 6.4 km wide in under a kilobyte (75,000 is the PDF maximum)."""
    with pikepdf.new() as pdf:
        page = _text_page(pdf, side_pt, side_pt)
        page.UserUnit = user_unit
        pdf.pages.append(pikepdf.Page(page))
        pdf.save(path)
    return path


def huge_page_pdf(path: Path, side_pt: float = 14_000) -> Path:
    """One text page just under 5 m a side (no UserUnit): rasterised at the 400 dpi an OCR
    engine renders text pages at, about 6 gigapixels."""
    with pikepdf.new() as pdf:
        pdf.pages.append(pikepdf.Page(_text_page(pdf, side_pt, side_pt)))
        pdf.save(path)
    return path


def many_pages_pdf(path: Path, pages: int = 20_000) -> Path:
    """`pages` A4 pages sharing one content stream and font: about 180 KB for 20,000."""
    with pikepdf.new() as pdf:
        first = _text_page(pdf, 595, 842)
        for _ in range(pages):
            pdf.pages.append(
                pikepdf.Page(
                    pikepdf.Dictionary(
                        Type=pikepdf.Name.Page,
                        MediaBox=[0, 0, 595, 842],
                        Resources=first.Resources,
                        Contents=first.Contents,
                    )
                )
            )
        pdf.save(path, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return path

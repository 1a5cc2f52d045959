"""What a PDF actually contains, read independently of the code under test: images, fonts, text.

Tests compare it with what a transfer note or a scan result claims was done to the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2

_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


@dataclass(frozen=True)
class PdfContents:
    images: int  # image XObjects on all pages, nested form XObjects included
    fonts: dict[str, bool]  # base font name -> embedded
    texts: tuple[str, ...]  # per page, as a PDF reader extracts it
    size: int  # bytes

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())


def pdf_contents(path: Path) -> PdfContents:
    images, fonts = 0, {}
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            images += len(page.get_images())
            resources = page.obj.get("/Resources") or pikepdf.Dictionary()
            for font in (resources.get("/Font") or pikepdf.Dictionary()).values():
                descriptor = font.get("/FontDescriptor")
                if descriptor is None and "/DescendantFonts" in font:
                    descriptor = font.DescendantFonts[0].get("/FontDescriptor")
                embedded = descriptor is not None and any(k in descriptor for k in _FONT_FILES)
                fonts[str(font.get("/BaseFont"))] = embedded
    document = pypdfium2.PdfDocument(str(path))
    try:
        texts = tuple(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    return PdfContents(images, fonts, texts, path.stat().st_size)

# ruff: noqa: RUF001  (German typography: en dashes in the rendered text are deliberate)
"""Synthetic office scans of German municipal records, for tests, benchmarks and the demo.

Real Bescheide carry personal and tax data and cannot be committed, so we render fictional
ones ("Stadt Musterstadt") with the artefacts a document scanner adds: skew, speckle and blur.
Every identifier printed on a sample is valid by its check digits, so extractors can be
tested against a known truth (``SampleDoc.identifiers``).

Only Pillow, img2pdf and fpdf2 are used (no numpy), and outputs are byte-for-byte
deterministic for a given seed so regenerated samples do not churn in version control.
"""

from __future__ import annotations

import io
import random
import re
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import img2pdf
import pikepdf
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from stdnum import iban as _iban
from stdnum.de import idnr as _idnr
from stdnum.de import stnr as _stnr
from stdnum.iso7064 import mod_11_10

Fmt = Literal["pdf", "tiff", "png", "jpeg", "born_digital_pdf"]
PdfCodec = Literal["jpeg", "ccitt"]
FORMATS: tuple[str, ...] = ("pdf", "tiff", "png", "jpeg", "born_digital_pdf")
DOC_TYPES: tuple[str, ...] = (
    "grundsteuerbescheid",
    "gewerbesteuerbescheid",
    "hundesteuerbescheid",
    "vergnuegungssteuerbescheid",
    "zweitwohnungsteuerbescheid",
    "bauantrag",
    "baugenehmigung",
    "bauvorbescheid",
    "bauzeichnung",
    "standsicherheitsnachweis",
    "abnahmeschein",
    "widerspruch",
    "schriftverkehr",
)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# The standard fonts every PDF reader has (PDF 32000-1, 9.6.2.2); files may leave them out.
BASE14_FONTS = ("Helvetica", "Times", "Courier")
A4_MM = (210.0, 297.0)
_MM_PER_INCH = 25.4
_BODY_PT = 12.0
_MIN_PT = 11.0  # below this tesseract's accuracy on 300 dpi scans drops noticeably
_JPEG_QUALITY = 60
_WHITE_POINT = 225


@dataclass(frozen=True)
class SampleDoc:
    """One synthetic document and the truth a pipeline should recover from it."""

    name: str
    fmt: Fmt
    pages: list[list[str]]
    doc_type: str
    identifiers: dict[str, str] = field(default_factory=dict)
    aktenzeichen: str | None = None
    pdf_codec: PdfCodec = "jpeg"  # only for fmt "pdf": how the page images are embedded


# --------------------------------------------------------------------------- rendering


def _font_path(font: str, bold: bool = False) -> Path:
    """Resolve a DejaVu family name; bold variants exist for every family we use."""
    path = FONT_DIR / f"{font}{'-Bold' if bold else ''}.ttf"
    if not path.exists():
        raise FileNotFoundError(f"font not found: {path}")
    return path


def _px(mm: float, dpi: int) -> int:
    return round(mm / _MM_PER_INCH * dpi)


def _wrap(line: str, fnt: ImageFont.FreeTypeFont, width_px: float) -> list[str]:
    """Greedy word wrap by rendered width, so callers may pass lines longer than the page."""
    if not line.strip() or fnt.getlength(line) <= width_px:
        return [line]
    out: list[str] = []
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and fnt.getlength(candidate) > width_px:
            out.append(current)
            current = word
        else:
            current = candidate
    out.append(current)
    return out


def _layout(
    lines: list[str], font: str, dpi: int, width_px: float, height_px: float
) -> tuple[ImageFont.FreeTypeFont, ImageFont.FreeTypeFont, list[str], float, float]:
    """Pick the largest size >= 11 pt (and leading) at which the wrapped text fits the page."""
    for pt, leading in ((_BODY_PT, 1.3), (11.5, 1.25), (_MIN_PT, 1.2), (_MIN_PT, 1.1)):
        size = round(pt / 72 * dpi)
        body = ImageFont.truetype(str(_font_path(font)), size)
        head = ImageFont.truetype(str(_font_path(font, bold=True)), round(size * 1.1))
        wrapped = _wrap(lines[0], head, width_px) if lines else []
        for line in lines[1:]:
            wrapped.extend(_wrap(line, body, width_px))
        step = size * leading
        needed = len(wrapped) * step + size  # + gap under the letterhead rule
        if needed <= height_px:
            return body, head, wrapped, step, float(size)
    raise ValueError(f"{len(lines)} lines do not fit on one A4 page at >= {_MIN_PT} pt")


def render_page(
    lines: list[str],
    *,
    dpi: int = 300,
    skew_deg: float = 1.0,
    noise: float = 0.01,
    seed: int = 0,
    font: str = "DejaVuSerif",
) -> Image.Image:
    """Render one A4 page as a greyscale office scan.

    The first line is the letterhead (bold, with a rule beneath), the rest is body text at
    11-12 pt; empty strings are blank lines. Then scanner artefacts: ``noise`` = fraction
    of pixels hit by dust or toner drop-outs, a slight blur, and a rotation by ``skew_deg``
    (counter-clockwise, white fill), as from a sheet fed a little crooked.
    """
    width, height = _px(A4_MM[0], dpi), _px(A4_MM[1], dpi)
    left, right, top, bottom = _px(25, dpi), _px(18, dpi), _px(18, dpi), _px(20, dpi)
    text_w, text_h = width - left - right, height - top - bottom
    body, head, wrapped, step, size = _layout(lines, font, dpi, text_w, text_h)

    rng = random.Random(seed)
    img = Image.new("L", (width, height), 255)  # scanners clip the paper to white
    draw = ImageDraw.Draw(img)
    ink = 20 + rng.randrange(15)
    y = float(top)
    n_head = len(_wrap(lines[0], head, text_w)) if lines else 0
    for i, line in enumerate(wrapped):
        fnt = head if i < n_head else body
        draw.text((left, round(y)), line, font=fnt, fill=ink)
        y += step
        if i == n_head - 1:
            rule_y = round(y - step + size * 1.45)
            draw.line([(left, rule_y), (width - right, rule_y)], fill=ink, width=max(2, dpi // 100))
            y += size

    if noise > 0:
        n = int(width * height * noise)
        coords = [(rng.randrange(width), rng.randrange(height)) for _ in range(n)]
        # dust: grey dots, faint after the blur and mostly gone when binarised
        for level in (140, 180, 215):
            draw.point(coords[: n // 4], fill=level)
            coords = coords[n // 4 :]
        draw.point(coords, fill=255)  # toner drop-outs inside strokes
        for _ in range(max(1, n // 2000)):  # a few larger specks that survive thresholding
            x0, y0 = rng.randrange(width), rng.randrange(height)
            r = rng.choice((1, 2, 2, 3))
            draw.ellipse([x0, y0, x0 + r, y0 + r], fill=ink)
    img = img.filter(ImageFilter.GaussianBlur(radius=0.6 * dpi / 300))
    if skew_deg:
        img = img.rotate(skew_deg, resample=Image.Resampling.BICUBIC, fillcolor=255)
    # white-point clip as scanner firmware does; keeps faint dust from bloating PNG/JPEG files
    img = img.point([255 if v >= _WHITE_POINT else v for v in range(256)])
    img.info["dpi"] = (dpi, dpi)
    return img


def _binarise(img: Image.Image, threshold: int = 150) -> Image.Image:
    """Threshold (not dither) to 1 bit, as a scanner's bitonal mode does; CCITT G4 needs it."""
    lut = [255 if v > threshold else 0 for v in range(256)]
    return img.convert("L").point(lut, mode="1")


def _jpeg_bytes(img: Image.Image, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=_JPEG_QUALITY, dpi=(dpi, dpi), optimize=True)
    return buf.getvalue()


def _g4_bytes(img: Image.Image, dpi: int) -> bytes:
    """One-page CCITT G4 TIFF; img2pdf passes its data into the PDF without re-encoding."""
    buf = io.BytesIO()
    img.save(buf, format="TIFF", compression="group4", dpi=(dpi, dpi))
    return buf.getvalue()


def _write_pdf_deterministic(data: bytes, path: Path) -> None:
    """Re-save with a content-derived /ID: img2pdf's random one would churn the samples."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/ID" in pdf.trailer:
            del pdf.trailer["/ID"]
        pdf.save(path, deterministic_id=True)


def _born_digital_pdf(doc_pages: list[list[str]], path: Path, font: str) -> None:
    """A PDF with a real text layer (as exported from a Fachverfahren), no images.

    `font`: a DejaVu family (embedded TrueType subset) or one of the PDF base-14 fonts
    (`BASE14_FONTS`), which PDF readers bring along and the file does not embed.
    """
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(datetime(2024, 3, 12, 9, 0, tzinfo=UTC))
    pdf.set_producer("eakte scanmaker")
    pdf.set_title(doc_pages[0][0] if doc_pages and doc_pages[0] else "")
    if font in BASE14_FONTS:
        pdf.core_fonts_encoding = "windows-1252"  # with the euro sign, as office programs do
    else:
        pdf.add_font(font, "", str(_font_path(font)))
        pdf.add_font(font, "B", str(_font_path(font, bold=True)))
    pdf.set_margins(25, 18, 18)
    pdf.set_auto_page_break(True, margin=20)
    line_h = _BODY_PT * 0.3528 * 1.3  # pt -> mm, 1.3 leading
    for lines in doc_pages:
        pdf.add_page()
        for i, line in enumerate(lines):
            if i == 0:
                pdf.set_font(font, "B", _BODY_PT * 1.1)
                pdf.multi_cell(0, line_h, line, new_x="LMARGIN", new_y="NEXT")
                y = pdf.get_y() + 1
                pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
                pdf.set_y(y + 4)
                pdf.set_font(font, "", _BODY_PT)
            else:
                pdf.multi_cell(0, line_h, line or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def write_scan(
    doc_pages: list[list[str]],
    path: Path,
    fmt: str,
    *,
    dpi: int = 300,
    skew_deg: float = 1.0,
    noise: float = 0.01,
    seed: int = 0,
    pdf_codec: PdfCodec = "jpeg",
    font: str = "DejaVuSerif",
) -> Path:
    """Write ``doc_pages`` as a file the way a scanner (or a Fachverfahren) would deliver it.

    pdf: image-only, one image per page, grey JPEG q60 or (``pdf_codec="ccitt"``) 1-bit
    CCITT G4, the two things office scanners put in PDFs; tiff: multi-page CCITT G4 1-bit;
    png: one page in 16 grey levels; jpeg: one grey page, q60; born_digital_pdf: text
    layer in `font` (embedded DejaVu, or a base-14 font not embedded), no image. The resolution is
    recorded in every raster format. Page ``i`` uses ``seed + i`` and alternates the skew
    sign, so pages of one document differ like real feeds do.
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    if not doc_pages:
        raise ValueError("a document needs at least one page")
    if fmt in ("png", "jpeg") and len(doc_pages) != 1:
        raise ValueError(f"{fmt} holds a single page, got {len(doc_pages)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "born_digital_pdf":
        _born_digital_pdf(doc_pages, path, font)
        return path

    images = [
        render_page(
            lines,
            dpi=dpi,
            skew_deg=skew_deg * (1 if i % 2 == 0 else -0.6),
            noise=noise,
            seed=seed + i,
        )
        for i, lines in enumerate(doc_pages)
    ]
    if fmt == "pdf":
        if pdf_codec == "ccitt":
            encoded = [_g4_bytes(_binarise(im), dpi) for im in images]
        else:
            encoded = [_jpeg_bytes(im, dpi) for im in images]
        _write_pdf_deterministic(img2pdf.convert(encoded, nodate=True), path)
    elif fmt == "tiff":
        bits = [_binarise(im) for im in images]
        bits[0].save(
            path,
            format="TIFF",
            compression="group4",
            dpi=(dpi, dpi),
            save_all=True,
            append_images=bits[1:],
        )
    elif fmt == "png":
        posterised = images[0].point([v // 17 * 17 for v in range(256)])
        posterised.save(path, format="PNG", dpi=(dpi, dpi), optimize=True)
    else:  # jpeg
        path.write_bytes(_jpeg_bytes(images[0], dpi))
    return path


# --------------------------------------------------------------------------- identifiers


def make_steuer_idnr(first10: str) -> str:
    """Complete a 10-digit stem to a valid 11-digit Steuer-IdNr (ISO 7064 mod 11,10)."""
    number = first10 + mod_11_10.calc_check_digit(first10)
    return _idnr.validate(number)


def make_de_iban(bban: str) -> str:
    """Build a German IBAN (compact) from an 18-digit BBAN (BLZ + account number)."""
    number = "DE" + _iban.calc_check_digits("DE00" + bban) + bban
    return _iban.validate(number)


def _checked_stnr(number: str) -> str:
    _stnr.validate(number)
    return number


_ANSCHRIFT = "Stadt Musterstadt · Marktplatz 1 · 12345 Musterstadt"
_RECHTSBEHELF = [
    "Rechtsbehelfsbelehrung:",
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe",
    "Widerspruch erhoben werden. Der Widerspruch ist schriftlich oder zur",
    "Niederschrift bei der Stadt Musterstadt, Marktplatz 1, 12345 Musterstadt,",
    "einzulegen. Die Einlegung eines Widerspruchs hält die Pflicht zur Zahlung",
    "der festgesetzten Beträge nicht auf (§ 80 Abs. 2 Nr. 1 VwGO).",
]


def sample_documents() -> list[SampleDoc]:
    """Seven fictional documents covering the tax and building files and every input format."""
    stnr_a = _checked_stnr("181/815/08155")
    stnr_b = _checked_stnr("143/232/50017")
    stnr_c = _checked_stnr("181/742/31208")
    idnr_a = make_steuer_idnr("8609574271")
    idnr_b = make_steuer_idnr("4715203683")
    idnr_c = make_steuer_idnr("5923186475")
    iban_a = make_de_iban("370400440532013000")
    iban_b = make_de_iban("500105175407324931")
    iban_c = make_de_iban("760501010001234567")
    az_gs, az_gw, az_hu = "22-GS-2024-00012", "22-GW-2024-00345", "22-HU-2024-01873"
    az_bg, az_ab = "63-BG-2024-0117", "63-BG-2022-0389"
    fl = "Gemarkung Musterdorf, Flur 3, Flurstück 127/4"
    fl_ab = "Gemarkung Musterdorf, Flur 7, Flurstück 45/12"

    def tax_ids(stnr: str, idnr: str, iban: str, az: str) -> dict[str, str]:
        return {"steuernummer": stnr, "steuer_idnr": idnr, "iban": iban, "aktenzeichen": az}

    grundsteuer = SampleDoc(
        name="01-grundsteuerbescheid",
        fmt="tiff",
        doc_type="grundsteuerbescheid",
        aktenzeichen=az_gs,
        identifiers=tax_ids(stnr_a, idnr_a, iban_a, az_gs),
        pages=[
            [
                "Stadt Musterstadt – Der Bürgermeister – Steueramt",
                _ANSCHRIFT,
                "",
                "Frau",
                "Erika Mustermann",
                "Lindenstraße 7",
                "12345 Musterstadt",
                "",
                "Musterstadt, den 12.03.2024",
                f"Aktenzeichen: {az_gs}",
                f"Steuernummer: {stnr_a}",
                f"Steuer-IdNr.: {_idnr.format(idnr_a)}",
                "",
                "Grundsteuerbescheid für das Kalenderjahr 2024",
                "",
                "Sehr geehrte Frau Mustermann,",
                "",
                "auf Grund des Grundsteuermessbescheides des Finanzamts Musterstadt",
                "vom 15.01.2024 und der Hebesatzsatzung der Stadt Musterstadt wird die",
                "Grundsteuer für den nachstehend bezeichneten Grundbesitz festgesetzt.",
                "",
                "Grundbesitz: Lindenstraße 7, Einfamilienhaus mit Garage",
                "Grundsteuermessbetrag: 96,50 Euro",
                "Hebesatz Grundsteuer B: 495 v. H.",
                "Jahressteuer 2024: 477,68 Euro",
                "",
                "Die Grundsteuer wird zu je einem Viertel ihres Jahresbetrages am",
                "15. Februar, 15. Mai, 15. August und 15. November fällig.",
                "Bitte beachten Sie die Hinweise auf der Rückseite.",
            ],
            [
                f"Seite 2 zum Grundsteuerbescheid – Aktenzeichen: {az_gs}",
                "",
                "Fälligkeiten 2024:",
                "15.02.2024    119,42 Euro",
                "15.05.2024    119,42 Euro",
                "15.08.2024    119,42 Euro",
                "15.11.2024    119,42 Euro",
                "",
                "Die Beträge werden auf Grund des erteilten SEPA-Lastschriftmandats",
                f"von Ihrem Konto IBAN {_iban.format(iban_a)} eingezogen.",
                "Eine Änderung Ihrer Bankverbindung teilen Sie uns bitte schriftlich mit.",
                "",
                *_RECHTSBEHELF,
                "",
                "Mit freundlichen Grüßen",
                "Im Auftrag",
                "Groß",
            ],
        ],
    )

    gewerbesteuer = SampleDoc(
        name="02-gewerbesteuerbescheid",
        fmt="pdf",
        doc_type="gewerbesteuerbescheid",
        aktenzeichen=az_gw,
        identifiers=tax_ids(stnr_b, idnr_b, iban_b, az_gw),
        pages=[
            [
                "Stadt Musterstadt – Der Bürgermeister – Steueramt",
                _ANSCHRIFT,
                "",
                "Bäckerei Müller GmbH",
                "z. Hd. Herrn Jürgen Müller",
                "Hauptstraße 21",
                "12345 Musterstadt",
                "",
                "Musterstadt, den 08.04.2024",
                f"Aktenzeichen: {az_gw}",
                f"Steuernummer: {stnr_b}",
                f"Steuer-IdNr. des Inhabers: {_idnr.format(idnr_b)}",
                "",
                "Gewerbesteuerbescheid für das Erhebungsjahr 2023",
                "",
                "Sehr geehrte Damen und Herren,",
                "",
                "auf Grund des Gewerbesteuermessbescheides des Finanzamts Musterstadt",
                "vom 21.03.2024 wird die Gewerbesteuer für 2023 wie folgt festgesetzt:",
                "",
                "Steuermessbetrag: 1.842,00 Euro",
                "Hebesatz: 410 v. H.",
                "Gewerbesteuer 2023: 7.552,20 Euro",
                "abzüglich geleisteter Vorauszahlungen: 6.800,00 Euro",
                "verbleibende Abschlusszahlung: 752,20 Euro",
                "",
                "Die Abschlusszahlung ist innerhalb eines Monats nach Bekanntgabe",
                "dieses Bescheides fällig. Bitte überweisen Sie den Betrag unter Angabe",
                f"des Aktenzeichens auf das Konto der Stadtkasse, IBAN {_iban.format(iban_b)}.",
                "Säumniszuschläge werden nach § 240 der Abgabenordnung erhoben.",
                "",
                *_RECHTSBEHELF,
                "",
                "Mit freundlichen Grüßen",
                "Im Auftrag",
                "Weiß",
            ]
        ],
    )

    hundesteuer = SampleDoc(
        name="03-hundesteuerbescheid",
        fmt="png",
        doc_type="hundesteuerbescheid",
        aktenzeichen=az_hu,
        identifiers=tax_ids(stnr_c, idnr_c, iban_c, az_hu),
        pages=[
            [
                "Stadt Musterstadt – Der Bürgermeister – Steueramt",
                _ANSCHRIFT,
                "",
                "Herrn",
                "Björn Schäfer",
                "Gartenweg 3a",
                "12345 Musterstadt",
                "",
                "Musterstadt, den 22.01.2024",
                f"Aktenzeichen: {az_hu}",
                f"Steuernummer: {stnr_c}",
                f"Steuer-IdNr.: {_idnr.format(idnr_c)}",
                "",
                "Hundesteuerbescheid für das Kalenderjahr 2024",
                "",
                "Sehr geehrter Herr Schäfer,",
                "",
                "nach der Hundesteuersatzung der Stadt Musterstadt wird für das Halten",
                "Ihres Hundes folgende Steuer festgesetzt:",
                "",
                "Rasse: Labrador-Mischling, Name: Bruno, Steuermarke Nr. 0815",
                "Steuersatz für den ersten Hund: 96,00 Euro jährlich",
                "",
                "Die Steuer ist am 1. Juli eines jeden Jahres fällig und wird von",
                f"Ihrem Konto IBAN {_iban.format(iban_c)} abgebucht.",
                "Die Abmeldung des Hundes ist innerhalb von zwei Wochen anzuzeigen;",
                "die Steuermarke ist dabei zurückzugeben.",
                "",
                *_RECHTSBEHELF,
                "",
                "Mit freundlichen Grüßen",
                "Im Auftrag",
                "Köhler",
            ]
        ],
    )

    bauantrag = SampleDoc(
        name="04-bauantrag",
        fmt="pdf",
        pdf_codec="ccitt",
        doc_type="bauantrag",
        aktenzeichen=az_bg,
        identifiers={"aktenzeichen": az_bg, "flurstueck": "Musterdorf/3/127/4"},
        pages=[
            [
                "Architekturbüro Weiß & Söhne – Schloßstraße 12 – 12345 Musterstadt",
                "",
                "An die",
                "Stadt Musterstadt – Der Bürgermeister – Bauaufsicht",
                "Marktplatz 1",
                "12345 Musterstadt",
                "",
                "Musterstadt, den 05.02.2024",
                f"Aktenzeichen: {az_bg} (von der Behörde einzutragen)",
                "",
                "Antrag auf Baugenehmigung (Bauantrag)",
                "",
                "Bauherrin: Erika Mustermann, Lindenstraße 7, 12345 Musterstadt",
                "Entwurfsverfasser: Dipl.-Ing. Jörg Weiß, Architekt",
                "",
                f"Baugrundstück: Am Mühlenbach 14, {fl}",
                "Vorhaben: Neubau eines Einfamilienhauses mit Doppelgarage",
                "Bebauungsplan: Nr. 27 „Am Mühlenbach“",
                "",
                "Hiermit beantragen wir die Erteilung einer Baugenehmigung für das",
                "oben bezeichnete Vorhaben. Das Gebäude wird in Massivbauweise mit",
                "zwei Vollgeschossen und einem Satteldach errichtet. Die Grundfläche",
                "beträgt 142 m², die Geschossfläche 238 m².",
                "",
                "Die Erschließung ist über die öffentliche Straße Am Mühlenbach",
                "gesichert. Die Abwasserbeseitigung erfolgt über den städtischen Kanal.",
            ],
            [
                f"Bauantrag – Seite 2 – Aktenzeichen: {az_bg}",
                "",
                "Dem Antrag sind folgende Bauvorlagen beigefügt:",
                "1. Auszug aus der Liegenschaftskarte im Maßstab 1:1000",
                "2. Lageplan mit Abstandsflächen",
                "3. Bauzeichnungen (Grundrisse, Schnitte, Ansichten) im Maßstab 1:100",
                "4. Baubeschreibung und Berechnung des umbauten Raumes",
                "5. Standsicherheitsnachweis des Tragwerksplaners",
                "6. Nachweis des Wärmeschutzes nach dem Gebäudeenergiegesetz",
                "",
                "Die Bauherrin versichert, dass sie Eigentümerin des Grundstücks",
                f"{fl} ist.",
                "",
                "Unterschrift der Bauherrin: Erika Mustermann",
                "Unterschrift des Entwurfsverfassers: Jörg Weiß",
                "",
                "Eingangsstempel: Stadt Musterstadt, Bauaufsicht, eingegangen am 07.02.2024",
            ],
        ],
    )

    baugenehmigung = SampleDoc(
        name="05-baugenehmigung",
        fmt="jpeg",
        doc_type="baugenehmigung",
        aktenzeichen=az_bg,
        identifiers={"aktenzeichen": az_bg, "flurstueck": "Musterdorf/3/127/4"},
        pages=[
            [
                "Stadt Musterstadt – Der Bürgermeister – Bauaufsicht",
                _ANSCHRIFT,
                "",
                "Frau",
                "Erika Mustermann",
                "Lindenstraße 7",
                "12345 Musterstadt",
                "",
                "Musterstadt, den 12.03.2024",
                f"Aktenzeichen: {az_bg}",
                "",
                "Baugenehmigung",
                "",
                "Sehr geehrte Frau Mustermann,",
                "",
                "auf Ihren Antrag vom 05.02.2024 wird Ihnen nach § 74 der",
                "Landesbauordnung die Genehmigung erteilt für den Neubau eines",
                "Einfamilienhauses mit Doppelgarage auf dem Grundstück",
                f"Am Mühlenbach 14, {fl}.",
                "",
                "Die Genehmigung ergeht unter folgenden Nebenbestimmungen:",
                "1. Der Baubeginn ist der Bauaufsicht eine Woche vorher anzuzeigen.",
                "2. Die Höhe der Außenwand darf an der Grenze 3,00 m nicht überschreiten.",
                "3. Die Fertigstellung des Rohbaus ist zur Abnahme anzumelden.",
                "",
                "Die Baugenehmigung erlischt, wenn innerhalb von drei Jahren nach",
                "ihrer Erteilung mit der Ausführung nicht begonnen worden ist.",
                "Die Gebühr in Höhe von 1.284,00 Euro wird gesondert festgesetzt.",
                "",
                *_RECHTSBEHELF[:5],
                "",
                "Im Auftrag",
                "Dipl.-Ing. Größler",
            ]
        ],
    )

    widerspruch = SampleDoc(
        name="06-widerspruch",
        fmt="tiff",
        doc_type="widerspruch",
        aktenzeichen=az_gs,
        identifiers={"steuernummer": stnr_a, "aktenzeichen": az_gs},
        pages=[
            [
                "Erika Mustermann · Lindenstraße 7 · 12345 Musterstadt",
                "",
                "Stadt Musterstadt",
                "Steueramt",
                "Marktplatz 1",
                "12345 Musterstadt",
                "",
                "Musterstadt, den 02.04.2024",
                f"Ihr Aktenzeichen: {az_gs}",
                f"Steuernummer: {stnr_a}",
                "",
                "Widerspruch gegen den Grundsteuerbescheid vom 12.03.2024",
                "",
                "Sehr geehrte Damen und Herren,",
                "",
                "hiermit lege ich gegen den oben genannten Grundsteuerbescheid",
                "fristgerecht Widerspruch ein.",
                "",
                "Der Bescheid legt eine Wohnfläche von 165 m² zugrunde. Tatsächlich",
                "beträgt die Wohnfläche meines Hauses nur 132 m², weil das Dachgeschoß",
                "nicht ausgebaut ist. Ich bitte daher um Überprüfung und Änderung",
                "der festgesetzten Grundsteuer sowie um Aussetzung der Vollziehung",
                "bis zur Entscheidung über meinen Widerspruch.",
                "",
                "Eine Kopie der Wohnflächenberechnung füge ich bei.",
                "",
                "Mit freundlichen Grüßen",
                "Erika Mustermann",
            ]
        ],
    )

    abnahmeschein = SampleDoc(
        name="07-abnahmeschein",
        fmt="born_digital_pdf",
        doc_type="abnahmeschein",
        aktenzeichen=az_ab,
        identifiers={"aktenzeichen": az_ab, "flurstueck": "Musterdorf/7/45/12"},
        pages=[
            [
                "Stadt Musterstadt – Der Bürgermeister – Bauaufsicht",
                _ANSCHRIFT,
                "",
                "Herrn",
                "Günther Schröder",
                "Birkenallee 9",
                "12345 Musterstadt",
                "",
                "Musterstadt, den 19.03.2024",
                f"Aktenzeichen: {az_ab}",
                "",
                "Abnahmeschein über die Schlussabnahme",
                "",
                "Bauvorhaben: Anbau eines Wintergartens an das Wohnhaus",
                f"Grundstück: Birkenallee 9, {fl_ab}",
                "Baugenehmigung vom 14.09.2022",
                "",
                "Bei der Schlussabnahme am 15.03.2024 wurde festgestellt, dass das",
                "Bauvorhaben entsprechend der Baugenehmigung und den genehmigten",
                "Bauvorlagen ausgeführt worden ist. Mängel, die der Benutzung",
                "entgegenstehen, wurden nicht festgestellt.",
                "",
                "Die bauliche Anlage darf ab sofort benutzt werden. Dieser Schein",
                "ist zusammen mit der Baugenehmigung aufzubewahren.",
                "",
                "Im Auftrag",
                "Dipl.-Ing. Größler",
            ]
        ],
    )
    return [
        grundsteuer,
        gewerbesteuer,
        hundesteuer,
        bauantrag,
        baugenehmigung,
        widerspruch,
        abnahmeschein,
    ]


# --------------------------------------------------------------------------- corpus text

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


def _strip_markdown(text: str) -> str:
    """Reduce the corpus' Markdown (front matter, headings, definition lists) to plain prose."""
    text = _FRONT_MATTER.sub("", text.replace("\r\n", "\n"))
    text = re.sub(r"^#{1,6}\s*", "", text, flags=re.MULTILINE)
    text = re.sub(r"^:\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"^\s*[-*+]\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    return re.sub(r"<[^>]+>", "", text)


def page_from_corpus_text(text: str, max_lines: int = 45, width_chars: int = 80) -> list[str]:
    """Wrap (Markdown) law text into at most ``max_lines`` page lines, paragraphs kept apart.

    Used to render realistic German administrative prose when the shared corpus exists.
    The result is meant for ``render_page``, which re-wraps any line wider than the page.
    """
    paragraphs = [
        " ".join(p.split()) for p in re.split(r"\n\s*\n", _strip_markdown(text)) if p.strip()
    ]
    lines: list[str] = []
    for para in paragraphs:
        wrapped = textwrap.wrap(para, width=width_chars, break_on_hyphens=False)
        if lines and len(lines) + 1 < max_lines:
            lines.append("")
        for line in wrapped:
            if len(lines) >= max_lines:
                return lines
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines

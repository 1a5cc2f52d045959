"""Short realistic German documents as OCR would return them (including some noise)."""

from __future__ import annotations

LETTERHEAD_TAX = """Stadt Musterstadt
Der Bürgermeister
Steueramt
Marktplatz 1, 12345 Musterstadt

Herrn
Max Mustermann
Hauptstr. 5
12345 Musterstadt

Musterstadt, den 12.03.2024
"""

GRUNDSTEUER = (
    LETTERHEAD_TAX
    + """
Grundsteuerbescheid 2024
Kassenzeichen 4711.0815

Sehr geehrter Herr Mustermann,
für Ihren Grundbesitz Hauptstr. 5 wird die Grundsteuer B wie folgt festgesetzt:
Grundsteuermessbetrag 120,00 EUR x Hebesatz 495 % = 594,00 EUR.
Fälligkeit: 15.02., 15.05., 15.08., 15.11.

Rechtsbehelfsbelehrung: Gegen diesen Bescheid kann innerhalb eines Monats nach
Bekanntgabe Widerspruch erhoben werden.
"""
)

GEWERBESTEUER = (
    LETTERHEAD_TAX
    + """
Bescheid über Gewerbesteuer und Vorauszahlungen
für den Erhebungszeitraum 2023

Gewerbesteuermessbetrag lt. Finanzamt 1.250,00 EUR, Hebesatz 440 %.
Festgesetzte Gewerbesteuer 5.500,00 EUR.
Rechtsbehelfsbelehrung: Gegen diesen Bescheid kann Widerspruch erhoben werden.
"""
)

# OCR-ish: lost umlaut, 1 for l, split word
HUNDESTEUER = (
    LETTERHEAD_TAX
    + """
Hundesteuerbescheid
Festsetzung der Hundesteuer ab 01.04.2024

Sie sind Ha1ter eines Hundes (Rasse: Labrador). Die Hundesteuer fur den Ersthund
betragt 96,00 EUR jahrlich. Die Steuermarke liegt bei.
"""
)

VERGNUEGUNG = (
    LETTERHEAD_TAX
    + """
Bescheid uber Vergnugungssteuer fur das 1. Quartal 2024

Betrieb: Spielhalle Glückauf, Bahnhofstr. 3
Geldspielgeräte mit Gewinnmöglichkeit: 4, Einspielergebnis 12.400,00 EUR
Steuersatz 15 %.
"""
)

ZWEITWOHNUNG = (
    LETTERHEAD_TAX
    + """
Zweitwohnungsteuer-
bescheid 2024

Für Ihre Nebenwohnung Seestraße 12 wird nach der Satzung die Zweitwohnungsteuer
auf Grundlage der Jahresrohmiete (Nettokaltmiete 6.000,00 EUR) festgesetzt.
"""
)

LETTERHEAD_BAU = """Stadt Musterstadt
Bauordnungsamt
Marktplatz 1, 12345 Musterstadt

Frau
Erika Musterfrau
Lindenweg 7
12345 Musterstadt

Aktenzeichen: 63-BG-2024-0117          Musterstadt, 20.05.2024
"""

BAUANTRAG = """Bauantrag
Antrag auf Erteilung einer Baugenehmigung nach der Landesbauordnung

An die untere Bauaufsichtsbehörde der Stadt Musterstadt

Bauherr: Erika Musterfrau, Lindenweg 7, 12345 Musterstadt
Entwurfsverfasser: Dipl.-Ing. Hans Planer
Bauvorhaben: Neubau eines Einfamilienhauses mit Garage
Grundstück: Gemarkung Musterdorf, Flur 3, Flurstück 127/4

Hiermit beantrage ich die Baugenehmigung für das oben genannte Bauvorhaben.
Beigefügte Bauvorlagen: Lageplan, Bauzeichnungen (Grundrisse, Schnitte, Ansichten),
Baubeschreibung, Standsicherheitsnachweis.

Musterstadt, den 02.02.2024            Unterschrift Bauherr
"""

BAUGENEHMIGUNG = (
    LETTERHEAD_BAU
    + """
Baugenehmigung

Sehr geehrte Frau Musterfrau,
auf Ihren Bauantrag vom 02.02.2024 wird Ihnen die Bau-
genehmigung für den Neubau eines Einfamilienhauses erteilt.
Die Baugenehmigung gilt mit den folgenden Nebenbestimmungen (Auflagen).
Der Baubeginn ist anzuzeigen.

Rechtsbehelfsbelehrung: Gegen diese Baugenehmigung kann Widerspruch erhoben werden.
"""
)

BAUVORBESCHEID = (
    LETTERHEAD_BAU
    + """
Bauvorbescheid

Auf Ihre Bauvoranfrage vom 10.01.2024 ergeht folgender Vorbescheid:
Das Vorhaben ist bauplanungsrechtlich nach § 34 BauGB zulässig.
Die Geltungsdauer des Vorbescheides beträgt drei Jahre.
"""
)

BAUZEICHNUNG = """GRUNDRISS ERDGESCHOSS  M 1:100
Neubau Einfamilienhaus Musterfrau
Wohnen 32,5 m2   Küche 12,1 m2   Bad 8,4 m2
OKFF +0,00
Entwurfsverfasser: Dipl.-Ing. Hans Planer
"""

STATIK = """Statische Berechnung
Standsicherheitsnachweis für den Neubau eines Einfamilienhauses
Bauherr: Erika Musterfrau

Pos. 1 Dach: Lastannahmen nach Eurocode, Eigengewicht 0,85 kN/m2, Schneelast 0,85 kN/m2
Pos. 2 Decke über EG: Bemessung Stahlbeton C25/30, Bewehrung B500
Pos. 3 Fundament
"""

ABNAHME = (
    LETTERHEAD_BAU
    + """
Abnahmeschein
über die Schlussabnahme (Bauzustandsbesichtigung nach Fertigstellung)

Die Schlussabnahme zur Baugenehmigung vom 15.06.2024 wurde am 03.09.2025 durchgeführt.
Das Bauvorhaben wurde ohne Beanstandung abgenommen.
"""
)

WIDERSPRUCH = """Max Mustermann
Hauptstr. 5
12345 Musterstadt

Stadt Musterstadt
Steueramt
12345 Musterstadt

Musterstadt, 20.03.2024

Widerspruch gegen den Grundsteuerbescheid vom 12.03.2024
Kassenzeichen 4711.0815

Sehr geehrte Damen und Herren,
gegen den oben genannten Grundsteuerbescheid lege ich hiermit Widerspruch ein.
Der angesetzte Grundsteuermessbetrag und der Hebesatz sind rechtswidrig.
Begründung folgt.

Mit freundlichen Grüßen
Max Mustermann
"""

SCHRIFTVERKEHR = (
    LETTERHEAD_BAU
    + """
Ihr Schreiben vom 02.05.2024

Sehr geehrte Frau Musterfrau,
vielen Dank für Ihre Anfrage. Gern vereinbaren wir einen Termin zur Akteneinsicht.
Bitte bringen Sie die Unterlagen mit.

Mit freundlichen Grüßen
Im Auftrag
"""
)

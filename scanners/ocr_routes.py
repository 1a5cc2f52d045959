"""What the OCR process and its callers agree on about the way a document was read, in a
module that imports nothing: the ingest reads it without loading OpenCV, PDFium or numpy,
which only the OCR process needs."""

# `software.route` of a document tesseract read straight from its pages (`scanners.direct_ocr`);
# the other route is "ocrmypdf".
DIRECT_ROUTE = "tesseract on the page images"
# ocrmypdf's default confidence (--rotate-pages-threshold) for turning a page its orientation
# detection finds on its side or upside down; the direct route turns a page at the same.
ROTATE_CONFIDENCE = 14.0

#!/usr/bin/env bash
# Installs what eakte needs on a Debian/Ubuntu machine: OCR tools from the distribution,
# then the Python packages exactly as locked in uv.lock, into ./.venv.
set -euo pipefail
cd "$(dirname "$0")"

# libicu-dev, pkg-config and g++: PyICU (Unicode look-alike names, UTS #39) builds against ICU.
# libtesseract-dev and libleptonica-dev: tesserocr builds against the distribution's tesseract,
# the engine the OCR processes keep loaded (scanners/tesseract_engine.py).
DEBIAN_PACKAGES=(tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng ghostscript unpaper pngquant
                 qpdf poppler-utils fonts-dejavu-core libicu-dev pkg-config g++
                 libtesseract-dev libleptonica-dev
                 openssl)  # openssl verifies timestamps
# --tests: also the browser the web-page tests drive (Debian's chromium; Playwright's own
# browser download is not used), Java and Maven for the OpenSearch node the search tests
# start (deploy/opensearch-node, built from Maven Central's OpenSearch 2.19 artefacts), and
# PostgreSQL, whose server binaries the tests start a throw-away cluster from
# (tests/support/postgres.py).
if [ "${1:-}" = "--tests" ]; then
  DEBIAN_PACKAGES+=(chromium openjdk-17-jdk-headless maven postgresql)
fi
UV_VERSION=0.13.9

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "eakte setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v uv >/dev/null 2>&1 || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  python3 -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
export UV_PYTHON_DOWNLOADS=never
uv sync --frozen --quiet
if [ "${1:-}" = "--tests" ]; then
  # fetch and build the OpenSearch launcher now (once; cached in ~/.cache/eakte), so that
  # the tests download nothing
  .venv/bin/python -m tests.support.opensearch build >/dev/null
fi
echo "eakte setup: ready (.venv/bin/eakte)"

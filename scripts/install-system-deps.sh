#!/usr/bin/env bash
# Installs the system libraries citistat's PDF and chart rendering needs, when missing:
#   pango (WeasyPrint's text layout), HarfBuzz's subset library (without it every CJK PDF
#   spends seconds subsetting fonts in Python), a CJK font with real bold (Noto CJK, OFL),
#   poppler-utils (pdftoppm/pdftotext, used to look at and test the PDFs), and chromium (the
#   archive index is tested in a headless browser).
#   A headless Java 17 runtime for the Spark engine (citistat recount --engine spark), unless a Java 17+ is there.
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils chromium)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<'MSG'
citistat: this system has no apt. Install these yourself, then run the command again:
  - Pango >= 1.44 and HarfBuzz with its subset library (libharfbuzz-subset / harfbuzz)
  - a CJK font with Simplified Chinese forms: Noto Sans CJK SC (Regular and Bold)
      macOS:  brew install pango harfbuzz && brew install --cask font-noto-sans-cjk-sc
      Fedora: dnf install pango harfbuzz fonts-noto-sans-cjk-sc poppler-utils
  - poppler-utils (pdftoppm, pdftotext)
  - chromium (only for the tests of the archive index)
  - for the Spark engine only: a Java 17+ runtime (e.g. openjdk-17-jre-headless, brew install openjdk@17)
MSG
  exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# Spark 4 runs on Java 17 or later; any such java on the PATH will do.
java_major=$( (java -version 2>&1 || true) | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then
  dpkg-query -W -f='${Status}' openjdk-17-jre-headless 2>/dev/null | grep -q "install ok installed" \
    || missing+=(openjdk-17-jre-headless)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "citistat: installing system packages: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "citistat: run as root or install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# matplotlib caches the font list; a new font is only seen after the cache is rebuilt.
rm -f "${HOME}"/.cache/matplotlib/fontlist-*.json 2>/dev/null || true

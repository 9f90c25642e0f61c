#!/usr/bin/env bash
# Export a workbook from the fixture cards and open it with LibreOffice headless: convert the
# Register sheet to CSV and the workbook to PDF, and check both came out and no cell became a
# formula result.  Needs LibreOffice (Debian: apt-get install -y libreoffice-calc-nogui).
#
#   scripts/check_xlsx_libreoffice.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."

SOFFICE=$(command -v libreoffice || command -v soffice || true)
if [ -z "$SOFFICE" ]; then
  echo "LibreOffice not found: apt-get install -y libreoffice-calc-nogui" >&2
  exit 2
fi

OUT=${1:-$(mktemp -d)}
mkdir -p "$OUT"
DB="$OUT/register.db"
rm -f "$DB"
REG=".venv/bin/register"

# fixture cards plus a hostile one (formula in the name and the license name)
CARDS="$OUT/cards"
rm -rf "$CARDS"
cp -r tests/fixtures/cards "$CARDS"
mkdir -p "$CARDS/hostile"
cat > "$CARDS/hostile/README.md" <<'EOF'
---
pretty_name: '=HYPERLINK("http://evil.example/","click")'
license: other
license_name: "=cmd|' /C calc'!A0"
---
# Hostile card
EOF
cat > "$OUT/corpus.yaml" <<'EOF'
name: libreoffice-check
datasets: [beans, aeslc, hostile, arabic_speech_corpus]
EOF

"$REG" --db "$DB" ingest --recursive "$CARDS" >/dev/null
"$REG" --db "$DB" rights set beans --personal-data no --collected-in KE \
  --retain-until 2030-01-31 --reason "check script" --by script >/dev/null
"$REG" --db "$DB" export xlsx "$OUT/register.xlsx" --corpus "$OUT/corpus.yaml" --use service
"$REG" --db "$DB" export xlsx "$OUT/full.xlsx"

PROFILE="file://$OUT/lo-profile"
for book in register full; do
  "$SOFFICE" -env:UserInstallation="$PROFILE" --headless --convert-to csv \
    --outdir "$OUT/csv" "$OUT/$book.xlsx" >/dev/null 2>&1
  "$SOFFICE" -env:UserInstallation="$PROFILE" --headless --convert-to pdf \
    --outdir "$OUT/pdf" "$OUT/$book.xlsx" >/dev/null 2>&1
  test -s "$OUT/csv/$book.csv" || { echo "FAIL: no CSV from $book.xlsx" >&2; exit 1; }
  test -s "$OUT/pdf/$book.pdf" || { echo "FAIL: no PDF from $book.xlsx" >&2; exit 1; }
done

# The CSV is LibreOffice's rendering of the Register sheet: every dataset, the header, and the
# hostile text shown as text (a formula would have been evaluated to "click" / an error).
.venv/bin/python - "$OUT" <<'EOF'
import csv, sys
from pathlib import Path

out = Path(sys.argv[1])
rows = list(csv.reader((out / "csv" / "full.csv").open(encoding="utf-8", errors="replace")))
header, body = rows[0], rows[1:]
assert header[0] == "id" and "personal_data" in header, header[:5]
ids = {r[0] for r in body if r}
assert {"beans", "aeslc", "hostile"} <= ids, sorted(ids)[:5]
name = body[[r[0] for r in body].index("hostile")][header.index("pretty_name")]
assert "HYPERLINK" in name, name
for r in body:
    for cell in r:
        assert cell not in ("click", "#NAME?", "Err:508", "#VALUE!"), r
retain = body[[r[0] for r in body].index("beans")][header.index("retain_until")]
print(f"LibreOffice read {len(body)} dataset rows; hostile name shown as text: {name!r}; "
      f"beans retain_until rendered as {retain!r}")
EOF
ls -l "$OUT/csv" "$OUT/pdf"
echo "OK: LibreOffice opened and converted the workbooks ($OUT)"

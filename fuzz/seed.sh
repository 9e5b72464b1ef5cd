#!/bin/sh
# Fills fuzz/corpus/reader/ with the seed corpus: the fixtures, and the small bad inputs the
# tests generate (tests/common/bad_cases.rs). Nothing is committed twice: the corpus is
# ignored by git (fuzz/.gitignore).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus="$here/corpus/reader"
mkdir -p "$corpus"
cp "$root"/fixtures/*.xlsx "$root"/fixtures/*.xls "$root"/fixtures/*.ods "$corpus"/
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && BAD_INPUTS_DIR="$tmp" cargo test -q --test bad_inputs -- --ignored write_them >/dev/null)
# libFuzzer works best on small inputs: keep the bad inputs under 64 KB.
find "$tmp" -type f -size -64k -exec cp {} "$corpus"/ \;
echo "$(ls "$corpus" | wc -l) archivos en $corpus"

# xml_parts: one byte choosing the part (see fuzz_targets/xml_parts.rs), then its content.
parts="$here/corpus/xml_parts"
mkdir -p "$parts"
i=0
for spec in "064-IMIP-1T2024.xlsx xl/worksheets/sheet1.xml" "064-IMIP-1T2024.xlsx xl/sharedStrings.xml" \
            "064-IMIP-1T2024.xlsx xl/styles.xml" "064-IMIP-1T2024.xlsx xl/workbook.xml" \
            "60-IMACUM-4T2020.ods content.xml" "60-IMACUM-4T2020.ods META-INF/manifest.xml"; do
    set -- $spec
    out="$parts/part-$i"
    printf "\\$(printf '%03o' "$i")" > "$out"
    python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
        "$root/fixtures/$1" "$2" >> "$out"
    i=$((i + 1))
done
echo "$(ls "$parts" | wc -l) archivos en $parts"

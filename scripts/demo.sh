#!/usr/bin/env bash
# Builds the sample city's 2024-03 session from the shipped synthetic exports, as a performance
# office would: load a year of exports, record what the last session promised, add this session's
# notes, build the books in Chinese and English (internal, agency and public editions), record this session's commitments, write the memo.
set -euo pipefail
cd "$(dirname "$0")/.."
citistat=".venv/bin/citistat"
period=2024-03

# Exit status 1 means "done, with quarantined rows": the sample carries a few bad rows on purpose.
tolerate_quarantine() { "$@" || { status=$?; [ "$status" -eq 1 ] || exit "$status"; }; }

tolerate_quarantine "$citistat" -q ingest sample_data/ >/dev/null
"$citistat" followup import --period 2024-02 sample_data/session/followups-2024-02.csv
"$citistat" notes import --period "$period" sample_data/session/notes/"$period"
# internal: the city book and every brief for the chair's team; agency: the brief each department head
# receives before the meeting (no internal notes, no watch list); public: the city book for publication.
"$citistat" build --period "$period" --lang zh-CN --lang en --edition internal --edition agency --edition public
"$citistat" followup import --period "$period" sample_data/session/followups-"$period".csv
"$citistat" memo --period "$period" --lang zh-CN
"$citistat" memo --period "$period" --lang en
echo
echo "The archive's index: briefings/index.html"

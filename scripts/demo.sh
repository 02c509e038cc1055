#!/usr/bin/env bash
# Builds the sample city's 2024-03 session from the shipped synthetic exports, as a performance
# office would: load a year of exports, record what the last session promised, add this session's
# notes and focus agencies, build the books in Chinese and English (internal, agency and public editions), record this session's
# commitments, write the memo, publish the period's open data, and write the annual report of the year the
# sample covers most.
set -euo pipefail
cd "$(dirname "$0")/.."
citistat=".venv/bin/citistat"
period=2024-03

# Exit status 1 means "done, with quarantined rows": the sample carries a few bad rows on purpose.
tolerate_quarantine() { "$@" || { status=$?; [ "$status" -eq 1 ] || exit "$status"; }; }

tolerate_quarantine "$citistat" -q ingest sample_data/ >/dev/null
"$citistat" followup import --period 2024-02 sample_data/session/followups-2024-02.csv
"$citistat" notes import --period "$period" sample_data/session/notes/"$period"
# The agencies the office takes in depth this session, and why: the chair's page, the agenda and a
# question sheet each (kept in config/agenda.toml; the rest of the units are reviewed for the record).
"$citistat" agenda set --period "$period" \
  --focus 市住房和城乡建设委员会 --reason "委办局综合得分末位，解决率低于目标" --minutes 20 \
  --focus 望京街道 --reason "街乡镇排名末位" --minutes 15 \
  --focus 市水务局 --reason "解决率同比显著上升：请介绍做法" --minutes 10
# internal: the city book and every brief for the chair's team; agency: the brief each department head
# receives before the meeting (no internal notes, no watch list); public: the city book for publication.
"$citistat" build --period "$period" --lang zh-CN --lang en --edition internal --edition agency --edition public
"$citistat" followup import --period "$period" sample_data/session/followups-"$period".csv
"$citistat" memo --period "$period" --lang zh-CN
"$citistat" memo --period "$period" --lang en
"$citistat" export --period "$period" --public
# The sample's fullest year (2023-03 … 2023-12 for the shipped set): the year with the most monthly exports.
year=$(ls sample_data | grep -oE '20[0-9]{2}-[0-9]{2}' | sort -u | cut -c1-4 | uniq -c | sort -k1,1nr -k2,2n \
       | awk 'NR == 1 { print $2 }')
"$citistat" report --year "$year" --lang zh-CN --lang en
echo
echo "The archive's index: briefings/index.html"

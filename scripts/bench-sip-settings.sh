#!/usr/bin/env bash
# Measures the sip-settings tool on configuration files with many accounts: whole-process time
# and peak memory (`/usr/bin/time -v`) of `--account list`, `--account set`, `--general show`,
# for 1,000, 10,000 and 100,000 accounts, each file once with accepted values and once with a
# value that sipcfg refuses in every account (as files written by the Python SDK may have), both
# laid out by hand (settings in no order, one blank line after groups: `set` edits the text),
# then once with accepted values in the canonical layout (as the Python SDK and sipcfg write
# files: `set` writes the new text without editing the old one).
#
#   scripts/bench-sip-settings.sh [N ...]      # default: 1000 10000 100000
#   SIP_SETTINGS=/path/to/sip-settings scripts/bench-sip-settings.sh 100000   # another binary
#
# Builds the release binary first (unless SIP_SETTINGS names one, e.g. an older build to compare
# with); the files are made in a temporary directory and removed.
# Prints one Markdown table row per measurement (docs/PERFORMANCE.md, "The sip-settings tool").
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${SIP_SETTINGS:-}" ]; then
    bin="$(realpath "$SIP_SETTINGS")"
else
    cargo build --release -q -p sipcfg-settings --bin sip-settings
    bin="$PWD/target/release/sip-settings"
fi
sizes=("${@:-1000 10000 100000}")
# shellcheck disable=SC2206
sizes=(${sizes[*]})
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A configuration file of $1 accounts; with $2 = bad, each account has an SRTP mode that
# sipcfg refuses (it is kept in the file and reported as a warning); with $2 = canonical, the
# accepted values in the canonical layout (`file_format::write`: settings then groups, each by
# name, accounts by id in byte order, values with spaces or `:` quoted, a blank line closing each
# group).
make_config() {
    local n=$1 kind=$2 dir=$3
    mkdir -p "$dir"
    if [ "$kind" = canonical ]; then
        {
            echo "Accounts:"
            # One account a line (newlines as \001), sorted by id, then split into lines.
            awk -v n="$n" 'BEGIN {
                for (i = 0; i < n; i++) {
                    printf "user%d@example.com\t    user%d@example.com:\001", i, i
                    printf "        display_name = \"User %d\"\001        enabled = true\001", i
                    printf "        auth:\001            password = secret%d\001\001", i
                    printf "        rtp:\001            srtp_encryption = mandatory\001\001"
                    printf "        sip:\001            outbound_proxy = "
                    printf "\"proxy.example.com:5061;transport=tls\"\001\001\001\n"
                }
            }' | LC_ALL=C sort -t "$(printf '\t')" -k1,1 | cut -f2- | tr -d '\n' | tr '\001' '\n'
            echo
            echo "SIPSimpleSettings:"
            echo "    default_account = user0@example.com"
            echo
        } > "$dir/config"
        return
    fi
    awk -v n="$n" -v kind="$kind" 'BEGIN {
        print "SIPSimpleSettings:"
        print "    default_account = user0@example.com"
        print ""
        print "Accounts:"
        for (i = 0; i < n; i++) {
            printf "    user%d@example.com:\n", i
            print "        enabled = true"
            printf "        display_name = User %d\n", i
            print "        auth:"
            printf "            password = secret%d\n", i
            print ""
            print "        sip:"
            print "            outbound_proxy = proxy.example.com:5061;transport=tls"
            print ""
            print "        rtp:"
            if (kind == "bad") print "            srtp_encryption = bogus"
            else print "            srtp_encryption = mandatory"
            print ""
        }
    }' > "$dir/config"
}

# Runs sip-settings with `time -v`; prints "wall-seconds cpu-seconds peak-KiB" (CPU: user +
# system; on a shared machine the wall time also counts waiting for a core).
measure() {
    local dir=$1
    shift
    /usr/bin/time -v "$bin" -c "$dir" "$@" > /dev/null 2> "$work/time" || {
        echo "sip-settings $* failed:" >&2
        cat "$work/time" >&2
        exit 1
    }
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
                    for (i = 1; i <= n; i++) s = s * 60 + t[i]; secs = s }
                /User time \(seconds\)/ { cpu += $2 }
                /System time \(seconds\)/ { cpu += $2 }
                /Maximum resident set size/ { kib = $2 }
                END { printf "%.2f %.2f %d", secs, cpu, kib }' "$work/time"
}

echo "| accounts | values | file | command | wall time | CPU time | peak memory | memory / file |"
echo "|---|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
    for kind in good bad canonical; do
        dir="$work/$n-$kind"
        make_config "$n" "$kind" "$dir"
        bytes=$(stat -c %s "$dir/config")
        for command in "-a list" "-a set user1@example.com display_name=Changed" "-g show"; do
            # shellcheck disable=SC2086
            read -r secs cpu kib <<< "$(measure "$dir" $command)"
            awk -v n="$n" -v kind="$kind" -v bytes="$bytes" -v cmd="$command" -v secs="$secs" \
                -v cpu="$cpu" -v kib="$kib" 'BEGIN {
                printf "| %d | %s | %.1f MB | `%s` | %.2f s | %.2f s | %.0f MB | %.1f |\n",
                    n, (kind == "bad" ? "refused" : kind == "canonical" ? "accepted, canonical" \
                    : "accepted"), bytes / 1e6, cmd, secs, cpu,
                    kib / 1024, kib * 1024 / bytes }'
        done
    done
done

# Counting the CDBs of a --trace file, for the CDB benchmark and the tests
# that hold modecon to its counts (sourced, not run).

# trace_counts FILE DRIVE [FROM]: "INQUIRY MODE-SENSE MODE-SELECT OTHER",
# the commands sent to DRIVE from line FROM (1) of the trace FILE.
trace_counts() {
    tail -n "+${3:-1}" "$1" | jq -r --arg d "$2" 'select(.drive == $d) | .cdb[0:2]' |
        awk '{ o = tolower($1) }
             o == "12" { i++; next } o == "5a" { s++; next } o == "55" { w++; next } { x++ }
             END { printf "%d %d %d %d\n", i, s, w, x }'
}

# trace_quiet FILE: wait (at most 20 s, polling) until the trace FILE has
# not grown for half a second, the console's workers having sent what the
# last key asked for; 1 when it never stops.
trace_quiet() {
    local last=-1 now still=0
    for _ in $(seq 200); do
        now=$(wc -l <"$1" 2>/dev/null || echo 0)
        if [ "$now" = "$last" ]; then
            still=$((still + 1))
            [ "$still" -ge 5 ] && return 0
        else
            still=0
            last=$now
        fi
        sleep 0.1
    done
    return 1
}

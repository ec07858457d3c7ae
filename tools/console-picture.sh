#!/bin/bash
# Render a picture of the real console for the README: the console runs in
# a private tmux server on the built-in emulated drives, is driven by keys
# into the state the README walks through (emu:dvd-writer, page 05 Write
# Parameters open, WR_T picked from its legend and staged SAO -> TAO, the
# cursor still on WR_T), and the screen tmux holds is turned into HTML and
# photographed by headless Chromium.
#
# usage: tools/console-picture.sh [MODECON] [OUT.png]
#   MODECON  the binary (default build/release/src/modecon)
#   OUT.png  where to write the picture (default docs/console.png)
#
# Needs (Debian 12): apt-get install tmux aha chromium fonts-dejavu-core;
# ncurses-bin (infocmp, tic) and perl-base are always installed.  The
# picture uses DejaVu Sans Mono, so it comes out the same on every machine
# that has fonts-dejavu-core.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
modecon=${1:-$root/build/release/src/modecon}
out=${2:-$root/docs/console.png}

# The terminal: 100x30 is what the e2e test uses and shows every column of
# the field table.  Cell size follows from the font: DejaVu Sans Mono's
# advance is 1233/2048 em, so 14 px gives 8.43 px a column, 842.9 px for
# 100 columns, rounded up; a line is 17 px.
cols=100
rows=30
font_px=14
line_px=17
pad=12
width=$(((font_px * 1233 * cols + 2047) / 2048 + 2 * pad))
height=$((rows * line_px + 2 * pad))

for tool in tmux aha chromium infocmp tic perl; do
    command -v "$tool" >/dev/null ||
        { echo "console-picture: $tool is missing (apt-get install tmux aha chromium ncurses-bin)" >&2; exit 1; }
done
fc-list 2>/dev/null | grep -q "DejaVu Sans Mono" ||
    { echo "console-picture: the DejaVu Sans Mono font is missing (apt-get install fonts-dejavu-core)" >&2; exit 1; }
case $modecon in */*) ;; *) modecon=$(command -v "$modecon" || echo "$modecon") ;; esac
[ -x "$modecon" ] || { echo "console-picture: no modecon binary at $modecon (build it, or name it)" >&2; exit 1; }
modecon=$(cd "$(dirname "$modecon")" && pwd)/$(basename "$modecon")
case $out in /*) ;; *) out=$PWD/$out ;; esac

# Everything temporary (the console's state and configuration, the
# terminfo, the HTML, Chromium's profile) lives here, so the developer's
# history, drives file and browser profile are neither read nor changed.
work=$(mktemp -d "${TMPDIR:-/tmp}/console-picture-XXXXXX")
T="tmux -L console-picture-$$ -f /dev/null"
# tmux leaves its socket file behind when the server is killed; it is
# removed too, by its own name only.
cleanup() {
    local sock
    sock=$($T display-message -p '#{socket_path}' 2>/dev/null) || sock=""
    $T kill-server 2>/dev/null || true
    [ -z "$sock" ] || rm -f "$sock"
    rm -rf "$work"
}
trap cleanup EXIT

# tmux capture-pane drops the colour of cells cleared by erase-in-line or
# erase-characters, so the coloured top and bottom bars and the cursor row
# would come out cut short.  A copy of xterm-256color without bce (background
# colour erase) makes ncurses paint those cells with spaces instead, which
# tmux keeps; what is drawn is otherwise the same.
infocmp -1 xterm-256color | grep -v '^[[:space:]]*bce,$' >"$work/xterm.src"
tic -x -o "$work/terminfo" "$work/xterm.src"

# Wait (at most 10 s, polling) until the screen shows TEXT.
wait_for() {
    local screen
    for _ in $(seq 100); do
        screen=$($T capture-pane -p 2>/dev/null) || screen=""
        [[ $screen == *"$1"* ]] && return 0
        sleep 0.1
    done
    echo "console-picture: the screen never showed: $1" >&2
    $T capture-pane -p >&2 2>/dev/null || true
    exit 1
}

# Wait until the screen, colours included, has not changed for half a
# second: the background TEST UNIT READY and the redraws after the last key
# are done.
wait_settled() {
    local last="" now same=0
    for _ in $(seq 100); do
        now=$($T capture-pane -p -e -N)
        if [ "$now" = "$last" ]; then
            same=$((same + 1))
            [ "$same" -ge 5 ] && return 0
        else
            same=0
            last=$now
        fi
        sleep 0.1
    done
    echo "console-picture: the screen did not settle within 10 s" >&2
    exit 1
}

mkdir -p "$work/state" "$work/config"
$T new-session -d -x "$cols" -y "$rows" \
    "env TERM=xterm-256color TERMINFO='$work/terminfo' MODECON_DATA_DIR='${MODECON_DATA_DIR:-$root}' XDG_STATE_HOME='$work/state' XDG_CONFIG_HOME='$work/config' '$modecon' console emu:dvd-writer; echo \"EXITED \$?\"; sleep 60"
wait_for "Drives"
wait_for "DVD-RW WRITER"

# The key map is the README's: Enter on the drive shows its pages, g j j
# moves to page 05, Enter shows its fields, three Downs reach WR_T, Enter
# opens its legend, Up Enter picks TAO just above the current SAO.
$T send-keys Enter
$T send-keys -l "gjj"
$T send-keys Enter
wait_for "05 Write Parameters, 52 bytes"
for _ in 1 2 3; do $T send-keys Down; done
wait_for "WR_T Write type: byte 2 bits 3-0"
$T send-keys Enter
wait_for "WR_T: pick a value"
$T send-keys Up Enter
wait_for "staged SAO (2) -> TAO (1)"
wait_settled
[[ $($T capture-pane -p) == *asking* ]] && { echo "console-picture: a drive is still being asked" >&2; exit 1; }

# -e keeps the colours, -N the trailing spaces (coloured bars run to the
# edge).
$T capture-pane -p -e -N >"$work/screen.ans"

# aha gets two things wrong that the console uses: it knows no faint (SGR
# 2), with which the fields the drive does not let change are dimmed, and
# a reverse-video cursor row loses its reverse at the first 39 or 49 that
# tmux writes after it.  So every SGR sequence is replaced by the whole
# state it leaves: reverse already applied to the colours (a default
# colour becomes black or white, aha's reverse only for default on
# default), and faint passed as italic, which the console never uses and
# the style below draws faint.
# shellcheck disable=SC2016
perl -pe '
    BEGIN { ($bold, $faint, $under, $rev, $fg, $bg) = (0, 0, 0, 0, "", "") }
    # A foreground colour as the background, or the other way round.
    sub swap { my ($c) = @_;
        return $c =~ s/^38;/48;/r if $c =~ /^38;/;
        return $c =~ s/^48;/38;/r if $c =~ /^48;/;
        return ($c >= 40 && $c <= 47) || $c >= 100 ? $c - 10 : $c + 10 }
    sub sgr {
        my @p = split /;/, $_[0], -1;
        @p = (0) unless @p;
        while (@p) {
            my $x = shift @p; $x = 0 if $x eq "";
            if ($x == 38 || $x == 48) {
                my $c = join ";", $x, splice(@p, 0, (@p && $p[0] eq "5") ? 2 : 4);
                if ($x == 38) { $fg = $c } else { $bg = $c }
            }
            elsif ($x == 0) { ($bold, $faint, $under, $rev, $fg, $bg) = (0, 0, 0, 0, "", "") }
            elsif ($x == 1) { $bold = 1 } elsif ($x == 2) { $faint = 1 }
            elsif ($x == 22) { $bold = $faint = 0 }
            elsif ($x == 4) { $under = 1 } elsif ($x == 24) { $under = 0 }
            elsif ($x == 7) { $rev = 1 } elsif ($x == 27) { $rev = 0 }
            elsif ($x == 39) { $fg = "" } elsif ($x == 49) { $bg = "" }
            elsif (($x >= 30 && $x <= 37) || ($x >= 90 && $x <= 97)) { $fg = $x }
            elsif (($x >= 40 && $x <= 47) || ($x >= 100 && $x <= 107)) { $bg = $x }
        }
        my @o = (0);
        push @o, 1 if $bold; push @o, 3 if $faint; push @o, 4 if $under;
        if ($rev && $fg eq "" && $bg eq "") { push @o, 7 }
        elsif ($rev) {
            push @o, $bg eq "" ? 30 : swap($bg);
            push @o, $fg eq "" ? 47 : swap($fg);
        } else {
            push @o, $fg if $fg ne ""; push @o, $bg if $bg ne "";
        }
        return join ";", @o;
    }
    s/\e\[([0-9;]*)m/"\e[" . sgr($1) . "m"/ge;
' <"$work/screen.ans" >"$work/screen.sgr"

# aha --black --stylesheet turns the colours into classes; the page around
# them is written here so that the palette is a terminal's (aha's own draws
# black text dim grey and uses pure yellow and aqua), the font is fixed and
# a cell is line_px high and as wide as the width above counts.
{
    cat <<EOF
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>modecon console</title>
<style>
body { margin: 0; padding: ${pad}px; color: #cccccc; background-color: #1e1e1e; }
pre { margin: 0; font-family: 'DejaVu Sans Mono', monospace; font-size: ${font_px}px; line-height: ${line_px}px; }
.reset { color: #cccccc; } .bg-reset { background-color: #1e1e1e; }
.inverted { color: #1e1e1e; } .bg-inverted { background-color: #cccccc; }
.dimgray { color: #000000; } .bg-black { background-color: #000000; }
.red { color: #cd3131; } .bg-red { background-color: #cd3131; }
.green { color: #0dbc79; } .bg-green { background-color: #0dbc79; }
.yellow { color: #e5e510; } .bg-yellow { background-color: #e5e510; }
.blue { color: #2472c8; } .bg-blue { background-color: #2472c8; }
.purple { color: #bc3fbc; } .bg-purple { background-color: #bc3fbc; }
.cyan { color: #11a8cd; } .bg-cyan { background-color: #11a8cd; }
.white { color: #e5e5e5; } .bg-white { background-color: #e5e5e5; }
.bold { font-weight: bold; }
.italic { font-style: normal; opacity: 0.6; }
</style></head><body><pre>
EOF
    aha --black --stylesheet --no-header <"$work/screen.sgr"
    echo "</pre></body></html>"
} >"$work/screen.html"

mkdir -p "$(dirname "$out")"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/chromium" --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="$width,$height" --screenshot="$out" "file://$work/screen.html" \
    >"$work/chromium.log" 2>&1 ||
    { cat "$work/chromium.log" >&2; echo "console-picture: chromium failed" >&2; exit 1; }
[ -s "$out" ] || { cat "$work/chromium.log" >&2; echo "console-picture: chromium wrote no picture" >&2; exit 1; }
echo "$out"

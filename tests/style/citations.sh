#!/bin/bash
# Every section of a standard cited in the repository is one that
# docs/standards.md lists, in the one revision it pins, and nothing cites a
# document the repository does not contain.
#   citations.sh [ROOT]
# A citation is a standard's name and a section ("SPC-4 7.5.7", "MMC-6
# 6.44/6.45", "SAM-5 4.7.6 and 4.7.7", "SPC-4 table 48"), found across line
# breaks and comment leaders; a standard named without a section cites the
# whole document and needs no row.
set -u
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
table=$root/docs/standards.md
[ -f "$table" ] || { echo "no $table"; exit 1; }
files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(
    find "$root/src" "$root/pages" "$root/docs" "$root/bench" "$root/drives" \
        "$root/tools" "$root/README.md" -type f \
        \( -name '*.[ch]' -o -name '*.md' -o -name '*.page' -o -name '*.sh' \
        -o -name '*.json' -o -name '*.1' -o -name 'README*' \) -print0 2>/dev/null)
perl -e '
use strict; use warnings;
my ($table, @files) = @ARGV;
my (%known, $status);
open my $t, "<", $table or die "$table: $!";
while (<$t>) {
    # | STANDARD | SECTION | title |
    $known{"$1 $2"} = 1 if /^\|\s*((?:SPC|SBC|MMC|SAM)-\d+)\s*\|\s*(\d+(?:\.\d+)*)\s*\|/;
}
close $t;
die "$table lists no sections\n" unless %known;
for my $f (@files) {
    open my $fh, "<", $f or next;
    my @lines = <$fh>;
    close $fh;
    my ($text, @starts) = ("");
    for my $i (0 .. $#lines) {
        (my $l = $lines[$i]) =~ s/\r?\n\z//;
        if ($l =~ /(imapi2-and-mmc\.md|prior-art\.md|shared\/reference)/) {
            print "$f:", $i + 1, ": cites $1, which the repository does not contain\n";
            $status = 1;
        }
        $l =~ s/^\s*(?:\*(?!\/)|\/\/|#|\.\\")?\s*//;
        push @starts, [length $text, $i + 1];
        $text .= "$l ";
    }
    while ($text =~ /\b((?:SPC|SBC|MMC|SAM)-\d+)\s+(table\s+\d+|\d+(?:\.\d+)*(?![\w.]\w)(?:\s*(?:,|and|\/)\s*\d+(?:\.\d+)*(?![\w.]\w))*)/g) {
        my ($std, $list, $at) = ($1, $2, $-[0]);
        my $line = 1;
        for (@starts) { last if $_->[0] > $at; $line = $_->[1]; }
        if ($list =~ /^table/) {
            print "$f:$line: $std $list: cite the section, not a table number\n";
            $status = 1;
            next;
        }
        for my $section (split /\s*(?:,|and|\/)\s*/, $list) {
            next if $known{"$std $section"};
            print "$f:$line: $std $section is not in docs/standards.md\n";
            $status = 1;
        }
    }
}
exit($status ? 1 : 0);
' "$table" "${files[@]}"

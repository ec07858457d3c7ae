# Lines that pass the checks but that the pre-flight, run on the drives
# as a dry run, finds would fail: every one is listed, and nothing is
# sent, not even line 4's change.
open emu:dvd-writer
set 5 WR_T=TAO
set 1 TB=1
get 'emu:dvd-writer?fault=sense:02/3a/00' 5
get 'emu:dvd-writer?fault=garbage:short' 5
show 5

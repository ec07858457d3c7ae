# Lines that fail the checks, in this file and in the file it replays:
# every one is listed, and nothing runs, --keep-going or not.
open emu:dvd-writer
replay failures-inner.inc --keep-going
set 5 LINK_S=

open emu:dvd-writer; page caching; set WCE=0 --save # c
set emu:x 8 --data "08 0a" --type=saved --timeout 0.5

set 'emu:a b' caching "WCE=1" \
; replay -- --x; help set; '
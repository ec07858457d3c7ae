open emu:dvd-writer
page 5
edit WR_T=TAO
edit TST_W=1 PACK_S=32
diff
commit
show
discard

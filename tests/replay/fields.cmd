# A technician's session on the DVD writer: look, change, verify.
open emu:dvd-writer
page write-parameters
get
set WR_T=TAO LINK_S=0
show caching
set caching WCE=0 --save
defaults caching

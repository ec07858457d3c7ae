# A journal left by an older modecon on a full disk: a record cut short
# ("WR_T=TAO" of "WR_T=TAO LINK_S=0"), the next session header appended
# to its line.  Nothing runs: the cut record would replay as another
# command.
# modecon 0.1.0 session 1796530000.1 pid 100
set emu:dvd-writer 5 WR_T=TAO # modecon 0.1.0 session 1796530001.2 pid 101
get emu:dvd-writer 5

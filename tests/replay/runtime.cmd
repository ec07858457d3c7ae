# Lines that pass the checks but fail on the drive, one after another
# (--keep-going in the file's own replay below).
replay runtime-inner.inc --keep-going

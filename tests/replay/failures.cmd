# Every kind of refusal, one after another (--keep-going in the file's
# own replay below).
replay failures-inner.inc --keep-going

/*
 * hold-open PATH [excl]: opens PATH read-only without blocking, with
 * O_EXCL when asked, says "held" and keeps it open until killed; or says
 * why the open failed and exits 1.  The guest tests use it as another
 * program holding a drive, and to see whether modecon's claim keeps
 * others out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hold-open PATH [excl]\n");
        return 2;
    }
    int excl = argc > 2 && strcmp(argv[2], "excl") == 0;
    int fd = open(argv[1], O_RDONLY | O_NONBLOCK | (excl ? O_EXCL : 0));
    if (fd < 0) {
        printf("hold-open %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    printf("held\n");
    fflush(stdout);
    for (;;)
        pause();
}

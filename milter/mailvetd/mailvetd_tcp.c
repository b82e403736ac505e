/* mailvetd_tcp.c - TCP_NODELAY on libmilter's listening socket (contract:
 * mailvetd_tcp.h).  libmilter keeps the descriptor to itself, so the process's open
 * descriptors are walked (/proc/self/fd) and each listening stream socket of
 * AF_INET or AF_INET6 gets the option. */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "mailvetd_tcp.h"

/* listening_tcp - whether FD is a listening TCP socket */
static int listening_tcp(int fd)
{
    int v = 0;
    socklen_t len = sizeof(v);

    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) != 0 || v != 1)
        return 0;
    len = sizeof(v);
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) != 0 || (v != AF_INET && v != AF_INET6))
        return 0;
    len = sizeof(v);
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM;
}

/* mailvetd_tcp_nodelay - TCP_NODELAY on each listening TCP socket */
int mailvetd_tcp_nodelay(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0, one = 1, saved = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);

        if (*e->d_name == '\0' || *end != '\0' || fd == dirfd(d) || !listening_tcp((int)fd))
            continue;
        if (setsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
            saved = errno;
            n = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (n < 0)
        errno = saved;
    return n;
}

/* Measurement aid for bench/latency.sh: sets TCP_NODELAY on every TCP socket
   a process connects, so an unpatched tellonce binary (sqlx-core 0.9.0 as
   published) can be compared with the vendored fix without a rebuild:
     gcc -O2 -shared -fPIC -o /tmp/nodelay.so bench/nodelay-preload.c -ldl
     LD_PRELOAD=/tmp/nodelay.so tellonce ... serve  (via a wrapper as TELLONCE_BIN) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
    static int (*real)(int, const struct sockaddr *, socklen_t);
    if (!real) real = dlsym(RTLD_NEXT, "connect");
    if (addr && (addr->sa_family == AF_INET || addr->sa_family == AF_INET6)) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return real(fd, addr, len);
}

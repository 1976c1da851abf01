/* c_relay: the least a fan-out server can do, as "the limit" line of the room-size bench.
 *
 * Usage: c_relay [PORT]   (default 0: an ephemeral port)
 * Listens on 127.0.0.1, prints "listening on 127.0.0.1:PORT" on stdout, and runs until SIGTERM
 * or SIGINT. One epoll loop; each complete line a connection sends is written to every other
 * connection, with no IRC parsing but what fastgen.c needs to get through its setup: "NICK n"
 * is answered with 001, "JOIN c" with 366, "PING x" with "PONG x"; those and "USER" lines are not
 * relayed. Like tui-chat's server, the lines of one read are relayed as one block, appended to
 * each other connection's output buffer, and every connection with output gets one send() per
 * loop pass.
 *
 * Bounded: a line longer than CARRY is dropped; a connection whose unsent output passes
 * OUT_MAX is closed (a reader that stops reading costs at most that); at most MAX_CONNS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define CARRY 1024
#define RBUF (64 * 1024)
#define OUT_MAX (16 * 1024 * 1024)
#define MAX_CONNS 200000
#define MAX_EVENTS 1024

struct conn {
    int fd, index, dirty, writing;
    size_t carry_len, out_len, out_cap;
    int skipping;
    char *out;
    char carry[CARRY];
    char nick[32];
};

static struct conn **conns; /* the open connections, in no order */
static int n_conns;
static struct conn **dirty;
static int n_dirty;
static int epfd;
static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

static void conn_close(struct conn *c) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    conns[c->index] = conns[--n_conns];
    conns[c->index]->index = c->index;
    /* Freed after the loop pass (it may still be on the dirty list or in this pass's events). */
}

static int append(struct conn *c, const char *data, size_t len) {
    if (c->out_len + len > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + len) cap *= 2;
        if (cap > OUT_MAX) return -1;
        char *p = realloc(c->out, cap);
        if (!p) return -1;
        c->out = p;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    if (!c->dirty) {
        c->dirty = 1;
        dirty[n_dirty++] = c;
    }
    return 0;
}

static struct conn **doomed;
static int n_doomed;

static void doom(struct conn *c) {
    if (c->fd < 0) return;
    conn_close(c);
    doomed[n_doomed++] = c;
}

static void relay(struct conn *from, const char *data, size_t len) {
    for (int i = 0; i < n_conns; i++) {
        struct conn *c = conns[i];
        if (c != from && append(c, data, len) < 0) {
            doom(c);
            i--; /* the last connection moved into slot i */
        }
    }
}

/* The word after a command ("NICK x" -> "x"), at most cap-1 bytes. */
static void arg(const char *line, size_t len, size_t skip, char *dst, size_t cap) {
    size_t n = len > skip ? len - skip : 0;
    if (n && line[skip] == ':') skip++, n--;
    if (n >= cap) n = cap - 1;
    memcpy(dst, line + skip, n);
    dst[n] = 0;
    char *sp = strchr(dst, ' ');
    if (sp) *sp = 0;
}

/* Answer a setup line; 0 if the line is to be relayed. */
static int control(struct conn *c, const char *line, size_t len) {
    char reply[600], word[256];
    int n;
    if (len >= 5 && memcmp(line, "NICK ", 5) == 0) {
        arg(line, len, 5, c->nick, sizeof c->nick);
        n = snprintf(reply, sizeof reply, ":relay 001 %s :relay\r\n", c->nick);
    } else if (len >= 5 && memcmp(line, "JOIN ", 5) == 0) {
        arg(line, len, 5, word, sizeof word);
        n = snprintf(reply, sizeof reply, ":relay 366 %s %s :End of /NAMES list.\r\n", c->nick,
                     word);
    } else if (len >= 5 && memcmp(line, "PING ", 5) == 0) {
        n = snprintf(reply, sizeof reply, "PONG %.*s\r\n", (int)(len - 5 < 500 ? len - 5 : 500),
                     line + 5);
    } else if (len >= 5 && memcmp(line, "USER ", 5) == 0) {
        return 1;
    } else if (len >= 4 && memcmp(line, "PONG", 4) == 0) {
        return 1;
    } else {
        return 0;
    }
    if (append(c, reply, (size_t)n) < 0) doom(c);
    return 1;
}

static void on_readable(struct conn *c, char *buf) {
    size_t have = c->carry_len;
    memcpy(buf, c->carry, have);
    ssize_t n = recv(c->fd, buf + have, RBUF, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        doom(c);
        return;
    }
    char *p = buf, *end = buf + have + n, *nl;
    if (c->skipping) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return;
        p = nl + 1;
        c->skipping = 0;
    }
    /* Relay runs of ordinary lines as one block; setup lines are answered one by one. */
    char *run = p;
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
        size_t len = (size_t)(nl - p);
        if (len && p[len - 1] == '\r') len--;
        if (len >= 4 && p[1] != 'R' && control(c, p, len)) { /* PRIVMSG: not setup */
            if (p > run) relay(c, run, (size_t)(p - run));
            if (c->fd < 0) return;
            run = nl + 1;
        }
        p = nl + 1;
    }
    if (p > run) relay(c, run, (size_t)(p - run));
    if (c->fd < 0) return;
    size_t rest = (size_t)(end - p);
    if (rest <= CARRY) {
        memcpy(c->carry, p, rest);
        c->carry_len = rest;
    } else {
        c->carry_len = 0;
        c->skipping = 1;
    }
}

static void flush_dirty(void) {
    for (int i = 0; i < n_dirty; i++) {
        struct conn *c = dirty[i];
        c->dirty = 0;
        if (c->fd < 0) continue;
        ssize_t n = c->out_len ? send(c->fd, c->out, c->out_len, MSG_NOSIGNAL) : 0;
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            doom(c);
            continue;
        }
        if (n > 0) {
            memmove(c->out, c->out + n, c->out_len - (size_t)n);
            c->out_len -= (size_t)n;
        }
        int writing = c->out_len > 0;
        if (writing != c->writing) {
            struct epoll_event ev = {.events = EPOLLIN | (writing ? EPOLLOUT : 0), .data.ptr = c};
            epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
            c->writing = writing;
        }
    }
    n_dirty = 0;
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    conns = calloc(MAX_CONNS, sizeof *conns);
    dirty = calloc(MAX_CONNS, sizeof *dirty);
    doomed = calloc(MAX_CONNS, sizeof *doomed);
    char *buf = malloc(CARRY + RBUF);
    if (!conns || !dirty || !doomed || !buf) return 1;

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t salen = sizeof sa;
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 4096) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0) {
        perror("c_relay: listen");
        return 1;
    }
    epfd = epoll_create1(0);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
    printf("listening on 127.0.0.1:%d\n", ntohs(sa.sin_port));
    fflush(stdout);

    struct epoll_event events[MAX_EVENTS];
    while (!stop) {
        int n = epoll_wait(epfd, events, MAX_EVENTS, n_dirty ? 0 : 1000);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c == NULL) {
                for (int k = 0; k < 512 && n_conns < MAX_CONNS; k++) {
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
                    if (fd < 0) break;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c = calloc(1, sizeof *c);
                    if (!c) {
                        close(fd);
                        break;
                    }
                    c->fd = fd;
                    c->index = n_conns;
                    conns[n_conns++] = c;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            if (c->fd < 0) continue;
            if ((events[i].events & EPOLLOUT) && !c->dirty) {
                c->dirty = 1;
                dirty[n_dirty++] = c;
            }
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c, buf);
        }
        flush_dirty();
        for (int i = 0; i < n_doomed; i++) {
            free(doomed[i]->out);
            free(doomed[i]);
        }
        n_doomed = 0;
    }
    return 0;
}

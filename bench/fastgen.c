/* fastgen: a fan-out load generator in C, so that the benchmark measures the server, not itself.
 *
 * bench/cbuild.py compiles it at run time (cc -O2, into a temporary directory); nothing built is
 * committed. It speaks plain IRC (no CAP, no tags), so every server under test works, and the
 * bench's C relay (c_relay.c) answers just enough of it.
 *
 * Usage: fastgen [options] HOST PORT
 *   -r N     receivers (default 10)                -s N    senders (default 1)
 *   -t SEC   seconds of sending (default 2)        -n N    stop after N messages (0: time only)
 *   -w N     window: messages the senders keep ahead of the average receiver (default 256)
 *   -c CHAN  channel (default #bench)              -x STR  nick prefix (default none)
 *   -b N     connections in setup at once (default 20; miniircd's listen backlog is 5)
 *   -p PID   server process: its utime+stime (/proc/PID/stat) over the traffic window
 *   -T SEC   setup time limit (default 60)         -L SEC  tail time limit (default 10)
 *   -i USEC  paced: the first sender sends one message every USEC microseconds (a timerfd, so
 *            not rounded to epoll's milliseconds; after a stall it does not burst to catch up);
 *            -w is then unused. The light-load latency phase: a C receive loop, so the
 *            generator's own walk over 50 receivers is not in every server's figure.
 *
 * Each connection registers (NICK/USER, waits for 001), joins CHAN (waits for 366), and the run
 * waits until the server has been quiet for 200 ms. Then the senders send
 * "PRIVMSG CHAN :<CLOCK_MONOTONIC ns> <seq> <payload>" as fast as the window lets them, and every
 * receiver counts the PRIVMSG lines to CHAN it gets and takes each one's latency from the
 * embedded time (measured when epoll reported the data). Sending stops after -t seconds (or -n
 * messages); then the run waits until every receiver has every message or the tail limit passes.
 *
 * Result: one JSON object on one line on stdout, also on failure ("ok": false, "error": why,
 * "joined": how many had joined). Exit status 0 on success, 2 on failure, 64 on bad usage.
 * Fields: ok error receivers senders joined setup_s sent delivered expected lost closed
 * to_senders (senders' copies of each other's messages, not in "delivered") elapsed_s rate
 * lat_p50_ms lat_p99_ms lat_max_ms lat_samples gen_cpu_s gen_cpu_pct server_cpu_s
 * server_cpu_us (server CPU per delivery, receivers' deliveries only; null without -p).
 *
 * Bounded: fixed buffers per connection (a line longer than CARRY is skipped), a fixed latency
 * histogram, and a deadline on every phase.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define CARRY 1024           /* longest partial line kept between reads */
#define RBUF (256 * 1024)    /* one recv() */
#define OUT_RECV 2048        /* a receiver only sends registration, JOIN and PONG */
#define OUT_SEND 16384       /* a sender's chunk of messages */
#define MAX_CHUNK 32
#define MAX_EVENTS 1024
#define LAT_US 1000000       /* latency histogram: 1 us buckets below 1 s ... */
#define LAT_MS 60000         /* ... then 1 ms buckets up to 60 s */
#define QUIET_NS 200000000LL /* setup ends after the server has been quiet this long */
#define SETTLE_MAX_NS 10000000000LL
/* Numerics that end a setup: nick refused, join refused, too many channels or clients. */
#define FATAL "432 433 436 437 403 405 471 473 474 475 476 477 489"
#define PAYLOAD "the quick brown fox jumps over the lazy dog"

enum { RECV, SEND };
enum { CONNECTING, REGISTERING, JOINING, JOINED, CLOSED };
enum { SETUP, SETTLE, TRAFFIC };

struct conn {
    int fd, role, state, writing;
    size_t carry_len, out_len, out_cap;
    int skipping; /* inside a line longer than CARRY: drop up to the next '\n' */
    uint64_t seq;
    char *carry, *out;
    char nick[48];
};

static struct {
    const char *chan;
    size_t chan_len;
    char mark[80]; /* "PRIVMSG CHAN :" */
    size_t mark_len;
    int epfd, phase, total, n_recv, joined, in_setup;
    uint64_t sent, delivered, closed, to_senders;
    uint64_t lat_n, lat_max_ns;
    uint32_t *lat_us, *lat_ms;
    int64_t last_rx;
    char *rbuf;
    char last_error[240];
} g;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double cpu_self(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* utime + stime of process `pid` in seconds, or -1 when it is gone. */
static double cpu_of(long pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p) return -1;
    unsigned long long ut = 0, st = 0;
    /* after ")": state is field 3; utime and stime are fields 14 and 15 */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static void json_str(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') printf("\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f) printf("\\u%04x", ch < 0x7f ? ch : 0xfffd);
        else putchar(ch);
    }
    putchar('"');
}

static void fail(const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (g.last_error[0]) {
        size_t len = strlen(msg);
        snprintf(msg + len, sizeof msg - len, " (last error line: %s)", g.last_error);
    }
    printf("{\"ok\": false, \"error\": ");
    json_str(msg);
    printf(", \"joined\": %d, \"total\": %d}\n", g.joined, g.total);
    fflush(stdout);
    exit(2);
}

static void note_error(const char *line, size_t len) {
    if (len >= sizeof g.last_error) len = sizeof g.last_error - 1;
    memcpy(g.last_error, line, len);
    g.last_error[len] = 0;
}

static void want(struct conn *c, int writing) {
    if (c->writing == writing) return;
    struct epoll_event ev = {.events = EPOLLIN | (writing ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(g.epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->writing = writing;
}

static void conn_close(struct conn *c) {
    if (c->state == CLOSED) return;
    epoll_ctl(g.epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->state = CLOSED;
    if (c->role == RECV) g.closed++;
}

static void flush(struct conn *c) {
    if (c->state == CLOSED || c->state == CONNECTING) return;
    while (c->out_len) {
        ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) break;
            if (g.phase != TRAFFIC) fail("send to %s: %s", c->nick, strerror(errno));
            conn_close(c);
            return;
        }
        memmove(c->out, c->out + n, c->out_len - (size_t)n);
        c->out_len -= (size_t)n;
    }
    want(c, c->out_len > 0);
}

static void queue(struct conn *c, const char *data, size_t len) {
    if (c->out_len + len > c->out_cap) return; /* only PONGs can be dropped here: bounded */
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    flush(c);
}

static void record_latency(int64_t ns) {
    if (ns < 0) ns = 0;
    if ((uint64_t)ns > g.lat_max_ns) g.lat_max_ns = (uint64_t)ns;
    uint64_t us = (uint64_t)ns / 1000;
    if (us < LAT_US) g.lat_us[us]++;
    else g.lat_ms[us / 1000 < LAT_MS ? us / 1000 : LAT_MS - 1]++;
    g.lat_n++;
}

static double latency_pct_ms(double pct) {
    if (!g.lat_n) return -1;
    uint64_t rank = (uint64_t)(pct / 100.0 * (double)g.lat_n + 0.999999);
    if (rank < 1) rank = 1;
    uint64_t seen = 0;
    for (uint64_t i = 0; i < LAT_US; i++)
        if ((seen += g.lat_us[i]) >= rank) return i / 1000.0;
    for (uint64_t i = 0; i < LAT_MS; i++)
        if ((seen += g.lat_ms[i]) >= rank) return (double)i;
    return LAT_MS;
}

/* The command of a line (after an optional ":prefix "), and its length. */
static const char *command(const char *line, size_t len, size_t *clen) {
    const char *p = line, *end = line + len;
    if (p < end && *p == ':') {
        p = memchr(p, ' ', len);
        if (!p) return NULL;
        while (p < end && *p == ' ') p++;
    }
    const char *e = memchr(p, ' ', (size_t)(end - p));
    *clen = (size_t)((e ? e : end) - p);
    return p;
}

static void on_line(struct conn *c, const char *line, size_t len, int64_t t_ready) {
    if (len && line[len - 1] == '\r') len--;
    if (c->state == JOINED) {
        /* The hot path: ":nick!user@host PRIVMSG CHAN :<ns> ..." (or without the prefix). */
        const char *p = line;
        if (len && *p == ':') {
            p = memchr(line, ' ', len);
            if (!p) return;
            p++;
        }
        if ((size_t)(line + len - p) > g.mark_len && memcmp(p, g.mark, g.mark_len) == 0) {
            if (c->role != RECV) {
                g.to_senders++; /* another sender's message: written by the server too */
                return;
            }
            g.delivered++;
            p += g.mark_len;
            int64_t ts = 0;
            const char *end = line + len;
            while (p < end && *p >= '0' && *p <= '9' && ts < 1000000000000000000LL)
                ts = ts * 10 + (*p++ - '0');
            record_latency(t_ready - ts);
            return;
        }
    }
    if (len >= 4 && memcmp(line, "PING", 4) == 0) {
        char pong[CARRY + 8];
        size_t n = len - 4 < CARRY ? len - 4 : CARRY;
        memcpy(pong, "PONG", 4);
        memcpy(pong + 4, line + 4, n);
        memcpy(pong + 4 + n, "\r\n", 2);
        queue(c, pong, n + 6);
        return;
    }
    if (len >= 5 && memcmp(line, "ERROR", 5) == 0) {
        note_error(line, len);
        return;
    }
    size_t clen;
    const char *cmd = command(line, len, &clen);
    if (!cmd || clen != 3) return;
    if (c->state == REGISTERING && memcmp(cmd, "001", 3) == 0) {
        char join[120];
        int n = snprintf(join, sizeof join, "JOIN %s\r\n", g.chan);
        c->state = JOINING;
        queue(c, join, (size_t)n);
    } else if (c->state == JOINING && memcmp(cmd, "366", 3) == 0) {
        c->state = JOINED;
        g.joined++;
        g.in_setup--;
    } else if (c->state != JOINED && cmd[0] == '4' && strstr(FATAL, (char[]){cmd[0], cmd[1], cmd[2], 0})) {
        note_error(line, len);
        fail("%s could not register or join", c->nick);
    }
}

static void on_readable(struct conn *c, int64_t t_ready) {
    char *buf = g.rbuf;
    size_t have = c->carry_len;
    memcpy(buf, c->carry, have);
    ssize_t n = recv(c->fd, buf + have, RBUF, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        if (g.phase != TRAFFIC)
            fail("the server closed %s during setup (%d of %d joined): %s", c->nick, g.joined,
                 g.total, n < 0 ? strerror(errno) : "end of stream");
        conn_close(c);
        return;
    }
    g.last_rx = t_ready;
    char *p = buf, *end = buf + have + n, *nl;
    if (c->skipping) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return;
        p = nl + 1;
        c->skipping = 0;
    }
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
        on_line(c, p, (size_t)(nl - p), t_ready);
        if (c->state == CLOSED) return;
        p = nl + 1;
    }
    size_t rest = (size_t)(end - p);
    if (rest <= CARRY) {
        memcpy(c->carry, p, rest);
        c->carry_len = rest;
    } else {
        c->carry_len = 0;
        c->skipping = 1;
    }
}

static void on_connected(struct conn *c) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) fail("connect for %s: %s", c->nick, strerror(err));
    c->state = REGISTERING;
    flush(c);
}

static void open_conn(struct conn *c, const struct addrinfo *ai) {
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) fail("socket: %s (%d of %d joined)", strerror(errno), g.joined, g.total);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd = fd;
    c->out_len = (size_t)snprintf(c->out, c->out_cap, "NICK %s\r\nUSER %s 0 * :fastgen\r\n",
                                  c->nick, c->nick);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    c->writing = 1;
    if (epoll_ctl(g.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) fail("epoll_ctl: %s", strerror(errno));
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        c->state = REGISTERING;
        flush(c);
    } else if (errno == EINPROGRESS) {
        c->state = CONNECTING;
    } else {
        fail("connect: %s (%d of %d joined)", strerror(errno), g.joined, g.total);
    }
    g.in_setup++;
}

static void usage(void) {
    fprintf(stderr, "usage: fastgen [-r N] [-s N] [-t SEC] [-n N] [-w N] [-c CHAN] [-x PREFIX]"
                    " [-b N] [-p PID] [-T SEC] [-L SEC] HOST PORT\n");
    exit(64);
}

int main(int argc, char **argv) {
    int n_send = 1, window = 256, batch = 20, opt;
    double seconds = 2, setup_limit = 60, tail_limit = 10;
    uint64_t count = 0;
    long pid = 0, interval_us = 0;
    const char *prefix = "";
    g.n_recv = 10;
    g.chan = "#bench";
    while ((opt = getopt(argc, argv, "r:s:t:n:w:c:x:b:p:T:L:i:")) != -1) {
        switch (opt) {
        case 'r': g.n_recv = atoi(optarg); break;
        case 's': n_send = atoi(optarg); break;
        case 't': seconds = atof(optarg); break;
        case 'n': count = strtoull(optarg, NULL, 10); break;
        case 'w': window = atoi(optarg); break;
        case 'c': g.chan = optarg; break;
        case 'x': prefix = optarg; break;
        case 'b': batch = atoi(optarg); break;
        case 'p': pid = atol(optarg); break;
        case 'T': setup_limit = atof(optarg); break;
        case 'L': tail_limit = atof(optarg); break;
        case 'i': interval_us = atol(optarg); break;
        default: usage();
        }
    }
    if (argc - optind != 2 || g.n_recv < 1 || n_send < 1 || window < 1 || batch < 1 ||
        interval_us < 0 || interval_us > 10000000 ||
        strlen(g.chan) > 50 || strlen(prefix) > 20)
        usage();
    g.chan_len = strlen(g.chan);
    g.mark_len = (size_t)snprintf(g.mark, sizeof g.mark, "PRIVMSG %s :", g.chan);

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(argv[optind], argv[optind + 1], &hints, &ai) != 0)
        fail("cannot resolve %s port %s", argv[optind], argv[optind + 1]);

    g.total = g.n_recv + n_send;
    g.rbuf = malloc(CARRY + RBUF);
    g.lat_us = calloc(LAT_US, sizeof *g.lat_us);
    g.lat_ms = calloc(LAT_MS, sizeof *g.lat_ms);
    struct conn *conns = calloc((size_t)g.total, sizeof *conns);
    if (!g.rbuf || !g.lat_us || !g.lat_ms || !conns) fail("out of memory");
    for (int i = 0; i < g.total; i++) {
        struct conn *c = &conns[i];
        c->role = i < n_send ? SEND : RECV;
        snprintf(c->nick, sizeof c->nick, "%s%c%d", prefix, c->role == SEND ? 's' : 'r',
                 c->role == SEND ? i : i - n_send);
        c->out_cap = c->role == SEND ? OUT_SEND : OUT_RECV;
        c->carry = malloc(CARRY);
        c->out = malloc(c->out_cap);
        if (!c->carry || !c->out) fail("out of memory");
        c->fd = -1;
    }
    g.epfd = epoll_create1(0);
    struct epoll_event events[MAX_EVENTS];
    int tfd = -1; /* paced mode's ticks; its epoll data is NULL (connections have theirs) */
    if (interval_us) {
        tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        struct epoll_event tev = {.events = EPOLLIN, .data.ptr = NULL};
        if (tfd < 0 || epoll_ctl(g.epfd, EPOLL_CTL_ADD, tfd, &tev) < 0)
            fail("timerfd: %s", strerror(errno));
    }

    int64_t t0 = now_ns(), setup_deadline = t0 + (int64_t)(setup_limit * 1e9);
    int64_t settle_start = 0, t_start = 0, send_until = 0, tail_deadline = 0, t_last = 0;
    double gen0 = 0, srv0 = 0, setup_s = 0;
    int opened = 0;
    int per_sender = window / n_send > 1 ? window / n_send : 1;
    int chunk = per_sender / 2 < 1 ? 1 : (per_sender / 2 > MAX_CHUNK ? MAX_CHUNK : per_sender / 2);
    char msg[160];
    g.phase = SETUP;
    for (;;) {
        int64_t now = now_ns();
        int timeout_ms = 10;
        if (g.phase == SETUP) {
            while (opened < g.total && g.in_setup < batch) open_conn(&conns[opened++], ai);
            if (g.joined == g.total) {
                g.phase = SETTLE;
                settle_start = g.last_rx = now;
                setup_s = (now - t0) / 1e9;
            } else if (now > setup_deadline) {
                fail("setup took longer than %.0f s (%d of %d joined)", setup_limit, g.joined,
                     g.total);
            }
        }
        if (g.phase == SETTLE && (now - g.last_rx >= QUIET_NS || now - settle_start > SETTLE_MAX_NS)) {
            g.phase = TRAFFIC;
            if (pid && (srv0 = cpu_of(pid)) < 0) fail("server process %ld is gone", pid);
            gen0 = cpu_self();
            t_start = t_last = now = now_ns();
            send_until = t_start + (int64_t)(seconds * 1e9);
            if (tfd >= 0) {
                struct itimerspec it = {
                    .it_interval = {interval_us / 1000000, interval_us % 1000000 * 1000},
                    .it_value = {0, 1}, /* the first message right away */
                };
                if (timerfd_settime(tfd, 0, &it, NULL) < 0) fail("timerfd: %s", strerror(errno));
            }
        }
        if (g.phase == TRAFFIC) {
            if (tfd >= 0 && now < send_until && (!count || g.sent < count)) {
                /* paced: the ticks below send */
            } else if (now < send_until && (!count || g.sent < count)) {
                int64_t budget = (int64_t)(g.delivered / (uint64_t)g.n_recv) + window - (int64_t)g.sent;
                if (count && budget > (int64_t)(count - g.sent)) budget = (int64_t)(count - g.sent);
                for (int i = 0; i < n_send && budget > 0; i++) {
                    struct conn *s = &conns[i];
                    if (s->state == CLOSED || s->out_len) continue;
                    if (budget < chunk && !(count && budget == (int64_t)(count - g.sent))) break;
                    int k = budget < chunk ? (int)budget : chunk;
                    int64_t ts = now_ns();
                    for (int j = 0; j < k; j++) {
                        int n = snprintf(msg, sizeof msg, "PRIVMSG %s :%lld %llu %s\r\n", g.chan,
                                         (long long)ts, (unsigned long long)s->seq++, PAYLOAD);
                        memcpy(s->out + s->out_len, msg, (size_t)n);
                        s->out_len += (size_t)n;
                    }
                    g.sent += (uint64_t)k;
                    budget -= k;
                    flush(s);
                }
            } else {
                if (!tail_deadline) tail_deadline = now + (int64_t)(tail_limit * 1e9);
                if (g.delivered >= g.sent * ((uint64_t)g.n_recv - g.closed) || now > tail_deadline)
                    break;
                if (pid && cpu_of(pid) < 0) break;
            }
        }
        int n = epoll_wait(g.epfd, events, MAX_EVENTS, timeout_ms);
        if (n < 0 && errno != EINTR) fail("epoll_wait: %s", strerror(errno));
        int64_t t_ready = now_ns(); /* arrival = when epoll said so, not when we got to it */
        uint64_t before = g.delivered;
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            uint32_t ev = events[i].events;
            if (!c) {
                uint64_t ticks;
                struct conn *s = &conns[0];
                if (read(tfd, &ticks, sizeof ticks) < 0 || g.phase != TRAFFIC) continue;
                /* One message per tick however many passed: a stall is not made up in a burst. */
                if (now_ns() >= send_until || (count && g.sent >= count) || s->state == CLOSED)
                    continue;
                int n = snprintf(msg, sizeof msg, "PRIVMSG %s :%lld %llu %s\r\n", g.chan,
                                 (long long)now_ns(), (unsigned long long)s->seq++, PAYLOAD);
                if (s->out_len + (size_t)n > s->out_cap) continue; /* not sent, not counted */
                memcpy(s->out + s->out_len, msg, (size_t)n);
                s->out_len += (size_t)n;
                g.sent++;
                flush(s);
                continue;
            }
            if (c->state == CLOSED) continue;
            if (c->state == CONNECTING && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) on_connected(c);
            else if (ev & EPOLLOUT) flush(c);
            if (c->state != CLOSED && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_readable(c, t_ready);
        }
        if (g.delivered > before) t_last = now_ns();
    }
    double gen_cpu = cpu_self() - gen0;
    double srv_cpu = -1;
    if (pid) {
        double srv1 = cpu_of(pid);
        if (srv1 >= 0) srv_cpu = srv1 - srv0;
    }
    double elapsed = (t_last - t_start) / 1e9;
    uint64_t expected = g.sent * (uint64_t)g.n_recv;
    printf("{\"ok\": true, \"error\": null, \"receivers\": %d, \"senders\": %d, \"joined\": %d, "
           "\"setup_s\": %.3f, \"sent\": %llu, \"delivered\": %llu, \"expected\": %llu, "
           "\"lost\": %lld, \"closed\": %llu, \"to_senders\": %llu, \"elapsed_s\": %.6f, "
           "\"rate\": %.1f, ",
           g.n_recv, n_send, g.joined, setup_s, (unsigned long long)g.sent,
           (unsigned long long)g.delivered, (unsigned long long)expected,
           (long long)(expected - g.delivered), (unsigned long long)g.closed,
           (unsigned long long)g.to_senders, elapsed,
           elapsed > 0 ? g.delivered / elapsed : 0.0);
    if (g.lat_n)
        printf("\"lat_p50_ms\": %.3f, \"lat_p99_ms\": %.3f, \"lat_max_ms\": %.3f, ",
               latency_pct_ms(50), latency_pct_ms(99), g.lat_max_ns / 1e6);
    else
        printf("\"lat_p50_ms\": null, \"lat_p99_ms\": null, \"lat_max_ms\": null, ");
    printf("\"lat_samples\": %llu, \"gen_cpu_s\": %.3f, \"gen_cpu_pct\": %.1f, ",
           (unsigned long long)g.lat_n, gen_cpu, elapsed > 0 ? gen_cpu / elapsed * 100 : 0.0);
    if (srv_cpu >= 0)
        printf("\"server_cpu_s\": %.3f, \"server_cpu_us\": %.4f}\n", srv_cpu,
               g.delivered ? srv_cpu * 1e6 / g.delivered : 0.0);
    else
        printf("\"server_cpu_s\": null, \"server_cpu_us\": null}\n");
    fflush(stdout);
    freeaddrinfo(ai);
    return 0;
}

/* A closed-loop DNS load generator for bench/dns_compare.py (loopback only).
 *
 * dnsload HOST PORT SECONDS MAX_QUERIES SOCKETS WINDOW HEXQUERY [HEXQUERY ...]
 *
 * Keeps WINDOW queries in flight on each of SOCKETS connected UDP sockets (distinct source
 * ports, so SO_REUSEPORT servers spread them), reading replies with recvmmsg and sending one new
 * query per reply with sendmmsg. Queries rotate over the given wire messages (hex), each with a
 * fresh ID. A socket silent for 100 ms is primed again (its in-flight queries count as lost).
 * Stops after SECONDS or MAX_QUERIES replies, whichever first; prints
 * "replies N lost L seconds S qps Q".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXQ 16
#define MAXS 64

static unsigned char queries[MAXQ][512];
static size_t qlen[MAXQ];
static int nq;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int unhex(const char *s, unsigned char *out, size_t max) {
    size_t n = strlen(s) / 2;
    if (n > max) return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned int b;
        if (sscanf(s + 2 * i, "%2x", &b) != 1) return -1;
        out[i] = (unsigned char)b;
    }
    return (int)n;
}

static unsigned int next_id;
static int next_q;

/* send n queries on fd; returns how many went out */
static int send_some(int fd, int n) {
    static unsigned char bufs[BATCH][512];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    if (n > BATCH) n = BATCH;
    for (int i = 0; i < n; i++) {
        int q = next_q++ % nq;
        memcpy(bufs[i], queries[q], qlen[q]);
        bufs[i][0] = (unsigned char)(next_id >> 8);
        bufs[i][1] = (unsigned char)next_id;
        next_id++;
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = qlen[q];
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(fd, msgs, n, 0);
    return sent < 0 ? 0 : sent;
}

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: dnsload HOST PORT SECONDS MAX_QUERIES SOCKETS WINDOW HEX...\n");
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    double seconds = atof(argv[3]);
    long max_queries = atol(argv[4]);
    int nsock = atoi(argv[5]);
    int window = atoi(argv[6]);
    if (nsock < 1 || nsock > MAXS || window < 1 || seconds <= 0 || seconds > 120) {
        fprintf(stderr, "dnsload: SOCKETS 1-%d, WINDOW >= 1, SECONDS in (0, 120]\n", MAXS);
        return 2;
    }
    for (int i = 7; i < argc && nq < MAXQ; i++) {
        int n = unhex(argv[i], queries[nq], sizeof queries[nq]);
        if (n < 12) {
            fprintf(stderr, "dnsload: bad query hex\n");
            return 2;
        }
        qlen[nq++] = (size_t)n;
    }
    struct sockaddr_in to = {0};
    to.sin_family = AF_INET;
    to.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &to.sin_addr) != 1 || (ntohl(to.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "dnsload: loopback IPv4 addresses only\n");
        return 2;
    }
    struct pollfd pfd[MAXS];
    int inflight[MAXS];
    double last[MAXS];
    for (int s = 0; s < nsock; s++) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) < 0) {
            perror("dnsload: socket");
            return 1;
        }
        pfd[s].fd = fd;
        pfd[s].events = POLLIN;
        inflight[s] = 0;
    }
    long replies = 0, lost = 0;
    double start = now(), end = start + seconds;
    for (int s = 0; s < nsock; s++) {
        while (inflight[s] < window) {
            int n = send_some(pfd[s].fd, window - inflight[s]);
            if (n == 0) break;
            inflight[s] += n;
        }
        last[s] = start;
    }
    static unsigned char rbuf[BATCH][4096];
    struct mmsghdr rmsg[BATCH];
    struct iovec riov[BATCH];
    double t = start;
    while (t < end && replies < max_queries) {
        int ready = poll(pfd, (nfds_t)nsock, 20);
        t = now();
        if (ready < 0 && errno != EINTR) break;
        for (int s = 0; s < nsock; s++) {
            if (pfd[s].revents & POLLIN) {
                for (int i = 0; i < BATCH; i++) {
                    riov[i].iov_base = rbuf[i];
                    riov[i].iov_len = sizeof rbuf[i];
                    memset(&rmsg[i], 0, sizeof rmsg[i]);
                    rmsg[i].msg_hdr.msg_iov = &riov[i];
                    rmsg[i].msg_hdr.msg_iovlen = 1;
                }
                int got = recvmmsg(pfd[s].fd, rmsg, BATCH, MSG_DONTWAIT, NULL);
                if (got > 0) {
                    replies += got;
                    inflight[s] -= got;
                    if (inflight[s] < 0) inflight[s] = 0;
                    last[s] = t;
                }
            }
            if (t - last[s] > 0.1) {   /* silent: count the window lost, prime again */
                lost += inflight[s];
                inflight[s] = 0;
                last[s] = t;
            }
            while (inflight[s] < window && t < end) {
                int n = send_some(pfd[s].fd, window - inflight[s]);
                if (n == 0) break;
                inflight[s] += n;
            }
        }
    }
    double took = now() - start;
    printf("replies %ld lost %ld seconds %.3f qps %.0f\n", replies, lost, took, replies / took);
    return 0;
}

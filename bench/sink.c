// The benchmarks' RTP sink: a few UDP sockets on loopback that every viewer's transport sends to,
// drained with recvmmsg (64 datagrams per system call) and counted per SSRC. A Node.js socket per
// viewer costs a JavaScript callback and a Buffer per datagram: at 100 000 packets/s that is most
// of a core, taken from the mediasoup worker being measured on a 2-core machine. Here a packet costs
// well under a microsecond, so the worker, not the receiver, is what runs out first.
//
// Usage: cdn-sink SOCKETS. Prints "ports P1 P2 ...", then on each "snap" line read from stdin
// prints one line per SSRC seen, "ssrc packets first_ns" (first_ns: CLOCK_MONOTONIC of its first
// packet, the clock Node's process.hrtime uses), and "end". Exits when stdin closes.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define SLOTS (1 << 18) /* open addressing; far more than the viewers of any run */
#define MAX_SOCKETS 64

static uint32_t keys[SLOTS];
static uint8_t used[SLOTS];
static uint64_t counts[SLOTS];
static uint64_t firsts[SLOTS];

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void count(uint32_t ssrc, uint64_t at) {
  uint32_t i = (ssrc * 2654435761u) & (SLOTS - 1);
  while (used[i] && keys[i] != ssrc) i = (i + 1) & (SLOTS - 1);
  if (!used[i]) {
    used[i] = 1;
    keys[i] = ssrc;
    firsts[i] = at;
  }
  counts[i]++;
}

static void snapshot(void) {
  for (uint32_t i = 0; i < SLOTS; i++) {
    if (used[i]) printf("%u %llu %llu\n", keys[i], (unsigned long long)counts[i], (unsigned long long)firsts[i]);
  }
  printf("end\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 4;
  if (n < 1 || n > MAX_SOCKETS) return 2;
  int ep = epoll_create1(0);
  int fds[MAX_SOCKETS];
  printf("ports");
  for (int s = 0; s < n; s++) {
    fds[s] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int size = 16 << 20;
    // FORCE passes net.core.rmem_max when we may (root); otherwise the plain option's cap applies.
    if (setsockopt(fds[s], SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) setsockopt(fds[s], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (bind(fds[s], (struct sockaddr *)&addr, sizeof addr) != 0 || getsockname(fds[s], (struct sockaddr *)&addr, &len) != 0) return 1;
    printf(" %d", ntohs(addr.sin_port));
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)s};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[s], &ev);
  }
  printf("\n");
  fflush(stdout);
  struct epoll_event in = {.events = EPOLLIN, .data.u32 = MAX_SOCKETS};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);

  static char bufs[BATCH][1600];
  struct mmsghdr msgs[BATCH];
  struct iovec iovs[BATCH];
  char line[64];
  size_t line_len = 0;
  for (;;) {
    struct epoll_event events[MAX_SOCKETS + 1];
    int ready = epoll_wait(ep, events, MAX_SOCKETS + 1, -1);
    for (int e = 0; e < ready; e++) {
      uint32_t which = events[e].data.u32;
      if (which == MAX_SOCKETS) {
        ssize_t got = read(0, line + line_len, sizeof line - line_len - 1);
        if (got <= 0) return 0;
        line_len += (size_t)got;
        char *nl;
        while ((nl = memchr(line, '\n', line_len)) != NULL) {
          if (strncmp(line, "snap", 4) == 0) snapshot();
          size_t rest = line_len - (size_t)(nl + 1 - line);
          memmove(line, nl + 1, rest);
          line_len = rest;
        }
        if (line_len == sizeof line - 1) line_len = 0;
        continue;
      }
      for (;;) {
        for (int i = 0; i < BATCH; i++) {
          iovs[i].iov_base = bufs[i];
          iovs[i].iov_len = sizeof bufs[i];
          memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
          msgs[i].msg_hdr.msg_iov = &iovs[i];
          msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int got = recvmmsg(fds[which], msgs, BATCH, MSG_DONTWAIT, NULL);
        if (got <= 0) break;
        uint64_t at = now_ns();
        for (int i = 0; i < got; i++) {
          const unsigned char *p = (const unsigned char *)bufs[i];
          if (msgs[i].msg_len < 12 || (p[0] & 0xc0) != 0x80) continue;
          if (p[1] >= 192 && p[1] <= 223) continue; // RTCP (rtcp-mux): packet types 192-223
          count(((uint32_t)p[8] << 24) | ((uint32_t)p[9] << 16) | ((uint32_t)p[10] << 8) | p[11], at);
        }
        if (got < BATCH) break;
      }
    }
  }
}

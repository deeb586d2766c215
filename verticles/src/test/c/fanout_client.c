// The lean load client of io.pulse.bench.FanOutBench: N WebSocket subscribers on one epoll thread, in C, so that
// the measuring side takes as little of the 2 shared cores as it can (the Java client, FanOutClient, takes more:
// both are reported). Every text message carrying "sentNanos":<CLOCK_MONOTONIC ns> is timed against this
// process's CLOCK_MONOTONIC (one clock for every process on the machine). Source addresses 127.0.0.2, .3, ...
// (5,000 each), as the other load tools. Prints "N of N subscribers connected ..." then one line per run:
// "run k: H held, M messages/s, delay ms p50 X p99 Y max Z", which FanOutBench reads.
// Build: gcc -O2 -o fanout_client fanout_client.c
// Args: port path clients subscribeJson warmupSeconds intervalSeconds runs
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include "subscriber.h"

typedef struct { int fd; int up; int len; char buf[65536]; } Conn;

static long *delays;
static long count, capacity;
static int recording;

static long nowns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
static int cmp(const void *a, const void *b) { long x = *(const long *) a, y = *(const long *) b; return x < y ? -1 : x > y; }

/** Times the message's "sentNanos" stamp, if it has one. */
static void record(const char *text, long n, long now) {
  static const char key[] = "\"sentNanos\":";
  const long kl = sizeof key - 1;
  for (long i = 0; i + kl < n; i++) {
    if (text[i] == '"' && memcmp(text + i, key, kl) == 0) {
      long sent = 0;
      for (long j = i + kl; j < n && text[j] >= '0' && text[j] <= '9'; j++) sent = sent * 10 + (text[j] - '0');
      if (recording && count < capacity) delays[count++] = now - sent;
      return;
    }
  }
}

int main(int argc, char **argv) {
  if (argc < 8) { fprintf(stderr, "usage: fanout_client port path clients subscribeJson warmup interval runs\n"); return 2; }
  int port = atoi(argv[1]), n = atoi(argv[3]);
  const char *path = argv[2], *subscribe = argv[4];
  int warmup = atoi(argv[5]), interval = atoi(argv[6]), runs = atoi(argv[7]);
  capacity = (long) n * 4 * interval * 2 + 1000;
  delays = malloc(capacity * sizeof(long));
  Conn *conns = calloc(n, sizeof(Conn));
  char request[1024];
  snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, port);
  int sl = (int) strlen(subscribe), frameLen = 0;
  unsigned char frame[1100];
  if (sl > 1000) { fprintf(stderr, "fanout_client: subscribe message over 1000 bytes\n"); return 2; }
  if (sl > 0) frameLen = ws_masked_text(subscribe, sl, frame);
  int ep = epoll_create1(0), held = 0;
  long t0 = nowns();
  for (int i = 0; i < n; i++) {
    conns[i].fd = open_subscriber("fanout_client", i, port, request, "HTTP/1.1 101", frame, frameLen, conns[i].buf,
                                  sizeof conns[i].buf, &conns[i].len);
    conns[i].up = 1;
    struct epoll_event e = {.events = EPOLLIN, .data.u32 = i};
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &e);
    held++;
  }
  printf("%d of %d subscribers connected to port %d in %.1f s (C client)\n", held, n, port, (nowns() - t0) / 1e9);
  fflush(stdout);
  long phaseEnd = nowns() + warmup * 1000000000L, messages = 0;
  int run = -1;
  struct epoll_event ev[512];
  for (;;) {
    long now = nowns();
    if (now >= phaseEnd) {
      if (run >= 0) {
        qsort(delays, count, sizeof(long), cmp);
        printf("run %d: %d held, %.0f messages/s, delay ms p50 %.2f p99 %.2f max %.2f\n", run + 1, held,
               messages / (double) interval, count ? delays[count / 2] / 1e6 : 0,
               count ? delays[(long) (count * 0.99)] / 1e6 : 0, count ? delays[count - 1] / 1e6 : 0);
        fflush(stdout);
      }
      if (++run >= runs) return 0;
      count = messages = 0;
      recording = 1;
      phaseEnd = now + interval * 1000000000L;
    }
    int k = epoll_wait(ep, ev, 512, 50);
    now = nowns();
    for (int j = 0; j < k; j++) {
      Conn *c = &conns[ev[j].data.u32];
      int r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
      if (r <= 0) {
        if ((r == 0 || errno != EAGAIN) && c->up) {
          c->up = 0;
          held--;
          epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
          close(c->fd);
        }
        continue;
      }
      c->len += r;
      int off = 0;
      for (;;) {
        unsigned char *b = (unsigned char *) c->buf + off;
        int opcode, header;
        long length, size = ws_frame(b, c->len - off, sizeof c->buf, &opcode, &header, &length);
        if (size < 0) { fprintf(stderr, "fanout_client: a frame over 64 KB\n"); exit(1); }
        if (size == 0) break;
        if (opcode == 1) {
          messages++;
          record((char *) b + header, length, now);
        }
        off += (int) size;
      }
      memmove(c->buf, c->buf + off, c->len - off);
      c->len -= off;
    }
  }
}

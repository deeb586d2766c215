// The lean load tool of scripts/load-streams: N subscribers of a whole Pulse node, SSE and WebSocket, on one epoll
// thread, in C, so that measuring takes as little of the 2 shared cores as it can (the Java tool,
// io.pulse.bench.StreamLoadTool, takes 50-60 % of them at 10,000 subscribers; LOAD_TOOL=java runs it instead).
// Each event's "published" (epoch ms, stamped by the gateway as the result arrived from the event bus) is timed
// against this process's CLOCK_REALTIME, on every (N / measured)-th subscriber; final results are timed apart too
// (the update budget never holds them). The stamp is whole milliseconds, so delays read up to 1 ms high.
// Source addresses 127.0.0.2, .3, ... (5,000 each), as the other load tools. Prints one line, as the Java tool.
// Build: gcc -O2 -o stream_client stream_client.c
// Args: port clients wsShare series resolutionMs warmupSeconds durationSeconds measured nodePid
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

enum { SSE, WS };
typedef struct { int fd, up, kind, measured, len; char *buf; } Conn;
#define BUF 65536

typedef struct { long *v; long n, cap; } Delays;
static Delays all, finals;
static int recording;
static long bytes;

static long now_us(clockid_t clock) { struct timespec t; clock_gettime(clock, &t); return t.tv_sec * 1000000L + t.tv_nsec / 1000; }
static int cmp(const void *a, const void *b) { long x = *(const long *) a, y = *(const long *) b; return x < y ? -1 : x > y; }
static void add(Delays *d, long v) {
  if (d->n == d->cap) { d->cap = d->cap ? d->cap * 2 : 1 << 16; d->v = realloc(d->v, d->cap * sizeof(long)); }
  d->v[d->n++] = v;
}

/** Times one event (an SSE event or a WebSocket message) if it carries "published". */
static void on_event(const char *text, long n, int measured) {
  const char *p = memmem(text, n, "\"published\":", 12);
  if (!p || !measured || !recording) return;
  long published = 0;
  for (p += 12; p < text + n && *p >= '0' && *p <= '9'; p++) published = published * 10 + (*p - '0');
  long delay = now_us(CLOCK_REALTIME) - published * 1000;
  if (delay < 0) delay = 0;
  add(&all, delay);
  if (memmem(text, n, "\"final\":true", 12)) add(&finals, delay);
}

/** Consumes whole events from the buffer; returns the bytes used. */
static int consume(Conn *c) {
  int off = 0;
  if (c->kind == SSE) {
    // events end with a blank line; chunk-size lines of the chunked body land between events and carry no stamp
    for (;;) {
      char *end = memmem(c->buf + off, c->len - off, "\n\n", 2);
      if (!end) break;
      on_event(c->buf + off, end - (c->buf + off), c->measured);
      off = (int) (end + 2 - c->buf);
    }
    if (off == 0 && c->len == BUF) { fprintf(stderr, "stream_client: an SSE event over 64 KB\n"); exit(1); }
    return off;
  }
  for (;;) {
    unsigned char *b = (unsigned char *) c->buf + off;
    int opcode, header;
    long length, size = ws_frame(b, c->len - off, BUF, &opcode, &header, &length);
    if (size < 0) { fprintf(stderr, "stream_client: a frame over 64 KB\n"); exit(1); }
    if (size == 0) break;
    if (opcode == 1) on_event((char *) b + header, length, c->measured);
    off += (int) size;
  }
  return off;
}

/** utime + stime of a process, in clock ticks; -1 if unknown. */
static long cpu_ticks(long pid) {
  char path[64], s[2048];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(s, 1, sizeof s - 1, f);
  fclose(f);
  s[n] = 0;
  char *p = strrchr(s, ')');
  if (!p) return -1;
  long u = 0, st = 0;
  // fields after the name: state is the 3rd field; utime and stime are the 14th and 15th
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &u, &st) != 2) return -1;
  return u + st;
}

static long rss_mb(long pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%ld/status", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long kb = -1;
  while (fgets(line, sizeof line, f)) if (sscanf(line, "VmRSS: %ld", &kb) == 1) break;
  fclose(f);
  return kb < 0 ? -1 : kb / 1024;
}

/** GET path from the node (blocking, Connection: close); a malloc'd body or NULL. */
static char *http_get(int port, const char *path) {
  int s = dial("stream_client", 0, port);
  char req[256];
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
  if (write(s, req, n) != n) { close(s); return NULL; }
  size_t cap = 1 << 20, len = 0;
  char *out = malloc(cap);
  for (;;) {
    if (len + 65536 > cap) out = realloc(out, cap *= 2);
    ssize_t k = read(s, out + len, 65536);
    if (k <= 0) break;
    len += k;
  }
  close(s);
  out[len] = 0;
  return out;
}

/** A counter of the gateways' counters in /api/status (each node's "counters", not its "rates"), summed; -1 if none. */
static double status_counter(const char *body, const char *key) {
  double sum = -1;
  size_t kl = strlen(key);
  for (const char *p = body; (p = strstr(p, "\"counters\":")); p++) {
    const char *limit = strstr(p, "\"rates\":");
    const char *k = strstr(p, key);
    if (k && (!limit || k < limit)) sum = (sum < 0 ? 0 : sum) + atof(k + kl);
  }
  return sum;
}

/** The gateway's fanOutMicros and fanOutPasses counters from /api/status. */
static int fan_out_counters(int port, double *micros, double *passes) {
  char *body = http_get(port, "/api/status");
  if (!body) return 0;
  *micros = status_counter(body, "\"fanOutMicros\":");
  *passes = status_counter(body, "\"fanOutPasses\":");
  free(body);
  return *micros >= 0 && *passes >= 0;
}

/** The node's used heap in MB, from the JVM metrics in /metrics; -1 if not found. */
static long heap_mb(int port) {
  char *body = http_get(port, "/metrics");
  if (!body) return -1;
  double sum = 0;
  int found = 0;
  for (char *line = strtok(body, "\n"); line; line = strtok(NULL, "\n")) {
    if (strncmp(line, "jvm_memory_used_bytes{", 22) == 0 && strstr(line, "area=\"heap\"")) {
      sum += atof(strrchr(line, ' ') + 1);
      found = 1;
    }
  }
  free(body);
  return found ? (long) (sum / 1048576) : -1;
}

static double pct(Delays *d, double q) {
  if (d->n == 0) return 0;
  long i = (long) (d->n * q);
  return d->v[i >= d->n ? d->n - 1 : i] / 1000.0;
}

int main(int argc, char **argv) {
  if (argc < 10) {
    fprintf(stderr, "usage: stream_client port clients wsShare series resolutionMs warmupSeconds durationSeconds measured nodePid\n");
    return 2;
  }
  int port = atoi(argv[1]), n = atoi(argv[2]);
  double wsShare = atof(argv[3]);
  const char *series = argv[4];
  long resolution = atol(argv[5]);
  int warmup = atoi(argv[6]), duration = atoi(argv[7]), measured = atoi(argv[8]);
  long nodePid = atol(argv[9]);
  int wsClients = (int) (n * wsShare + 0.5), sseClients = n - wsClients;
  int every = measured > 0 && n / measured > 1 ? n / measured : 1;

  char sseRequest[1024], wsRequest[1024], subscribe[512];
  if (resolution > 0) {
    snprintf(sseRequest, sizeof sseRequest, "GET /api/stream?series=%s&resolution=%ld HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
      "Accept: text/event-stream\r\n\r\n", series, resolution, port);
    snprintf(subscribe, sizeof subscribe, "{\"op\":\"subscribe\",\"series\":[\"%s\"],\"resolution\":%ld}", series, resolution);
  } else {
    snprintf(sseRequest, sizeof sseRequest, "GET /api/stream?series=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
      "Accept: text/event-stream\r\n\r\n", series, port);
    snprintf(subscribe, sizeof subscribe, "{\"op\":\"subscribe\",\"series\":[\"%s\"]}", series);
  }
  snprintf(wsRequest, sizeof wsRequest, "GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", port);
  unsigned char frame[600];
  int frameLen = ws_masked_text(subscribe, (int) strlen(subscribe), frame);

  Conn *conns = calloc(n, sizeof(Conn));
  int ep = epoll_create1(0), held = 0;
  long t0 = now_us(CLOCK_MONOTONIC);
  for (int i = 0; i < n; i++) {
    Conn *c = &conns[i];
    c->kind = i < sseClients ? SSE : WS;
    c->measured = i % every == 0;
    c->buf = malloc(BUF);
    c->fd = c->kind == SSE
      ? open_subscriber("stream_client", i, port, sseRequest, "HTTP/1.1 200", NULL, 0, c->buf, BUF, &c->len)
      : open_subscriber("stream_client", i, port, wsRequest, "HTTP/1.1 101", frame, frameLen, c->buf, BUF, &c->len);
    c->up = 1;
    struct epoll_event e = {.events = EPOLLIN, .data.u32 = i};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e);
    held++;
  }
  fprintf(stderr, "%d subscribers connected (%d SSE, %d WebSocket) in %.1f s (C load tool)\n", held, sseClients,
          wsClients, (now_us(CLOCK_MONOTONIC) - t0) / 1e6);

  long phaseEnd = now_us(CLOCK_MONOTONIC) + warmup * 1000000L, started = 0, toolBefore = 0, nodeBefore = 0;
  double microsBefore = 0, passesBefore = 0;
  int counters = 0, phase = 0;
  long rssMax = -1, nextRss = 0;
  struct epoll_event ev[512];
  for (;;) {
    long now = now_us(CLOCK_MONOTONIC);
    if (now >= phaseEnd) {
      if (phase == 0) {
        counters = fan_out_counters(port, &microsBefore, &passesBefore);
        nodeBefore = cpu_ticks(nodePid);
        toolBefore = cpu_ticks(getpid());
        started = now_us(CLOCK_MONOTONIC);
        recording = 1;
        bytes = 0;
        phase = 1;
        phaseEnd = started + duration * 1000000L;
      } else {
        break;
      }
    }
    int k = epoll_wait(ep, ev, 512, 50);
    for (int j = 0; j < k; j++) {
      Conn *c = &conns[ev[j].data.u32];
      int r = read(c->fd, c->buf + c->len, BUF - c->len);
      if (r <= 0) {
        if ((r == 0 || errno != EAGAIN) && c->up) {
          c->up = 0;
          held--;
          epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
          close(c->fd);
        }
        continue;
      }
      bytes += r;
      c->len += r;
      int off = consume(c);
      memmove(c->buf, c->buf + off, c->len - off);
      c->len -= off;
    }
    if (phase == 1 && now >= nextRss) {
      long rss = rss_mb(nodePid);
      if (rss > rssMax) rssMax = rss;
      nextRss = now + 1000000L;
    }
  }
  double seconds = (now_us(CLOCK_MONOTONIC) - started) / 1e6;
  long nodeAfter = cpu_ticks(nodePid), toolAfter = cpu_ticks(getpid());
  double microsAfter = 0, passesAfter = 0;
  char pass[32] = "n/a", nodeCpu[32] = "n/a", heap[32] = "n/a", rssText[32] = "n/a";
  if (counters && fan_out_counters(port, &microsAfter, &passesAfter) && passesAfter > passesBefore) {
    snprintf(pass, sizeof pass, "%.1f ms", (microsAfter - microsBefore) / 1000.0 / (passesAfter - passesBefore));
  }
  long ticksPerSecond = sysconf(_SC_CLK_TCK);
  if (nodeBefore >= 0 && nodeAfter >= 0) snprintf(nodeCpu, sizeof nodeCpu, "%.0f%%", 100.0 * (nodeAfter - nodeBefore) / ticksPerSecond / seconds);
  long h = heap_mb(port);
  if (h >= 0) snprintf(heap, sizeof heap, "%ld MB", h);
  if (rssMax >= 0) snprintf(rssText, sizeof rssText, "%ld", rssMax);
  qsort(all.v, all.n, sizeof(long), cmp);
  qsort(finals.v, finals.n, sizeof(long), cmp);
  printf("subscribers=%d (sse %d, ws %d) series=%s resolution=%ld connected=%d received %.1f MB/s; "
         "measured on %d subscribers: %ld messages (%.0f/s) delay ms p50=%.1f p99=%.1f max=%.1f (final results: "
         "p50=%.1f p99=%.1f max=%.1f) | node cpu=%s (of 200%% on 2 cores) heap=%s rss=%s MB, fan-out pass (one "
         "loop's clients) mean %s | load tool (C) cpu=%.0f%%\n",
         n, sseClients, wsClients, series, resolution, held, bytes / seconds / 1048576, (n + every - 1) / every,
         all.n, all.n / seconds, pct(&all, 0.5), pct(&all, 0.99), pct(&all, 1), pct(&finals, 0.5),
         pct(&finals, 0.99), pct(&finals, 1), nodeCpu, heap, rssText, pass,
         100.0 * (toolAfter - toolBefore) / ticksPerSecond / seconds);
  return held == n ? 0 : 1;
}

// The floor of FanOutBench: what plain TCP on loopback costs on this machine, with no WebSocket, no JSON and no
// runtime. A server process writes one 260-byte message (its CLOCK_MONOTONIC stamp, then padding) to each of N
// sockets every 250 ms from T threads (each its share of the sockets, as Pulse's stream loops); a client process
// reads them on one epoll thread and times each. No server can deliver the same bursts faster here, so the
// Pulse figures are read against this one. Output as fanout_client.c's.
// Build: gcc -O2 -pthread -o fanout_floor fanout_floor.c
// Args: clients writerThreads warmupSeconds intervalSeconds runs
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#define SIZE 260
static long nowns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
static int cmp(const void *a, const void *b) { long x = *(const long *) a, y = *(const long *) b; return x < y ? -1 : x > y; }

static int *sockets, clients, threads;
static char message[SIZE];

static void *writer(void *arg) {
  for (int i = (int) (long) arg; i < clients; i += threads) {
    if (write(sockets[i], message, SIZE) != SIZE) { perror("floor server: write"); exit(1); }
  }
  return NULL;
}

static void client(struct sockaddr_in server, int warmup, int interval, int runs) {
  int ep = epoll_create1(0);
  for (int i = 0; i < clients; i++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in local = {0};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(0x7f000002 + i / 5000);
    if (bind(s, (void *) &local, sizeof local) || connect(s, (void *) &server, sizeof server)) { perror("floor client: connect"); exit(1); }
    fcntl(s, F_SETFL, O_NONBLOCK);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = s};
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
  }
  printf("%d of %d subscribers connected (raw TCP floor, %d writer threads)\n", clients, clients, threads);
  fflush(stdout);
  long cap = (long) clients * 4 * interval * 2 + 1000, n = 0, messages = 0;
  long *delays = malloc(cap * sizeof(long));
  int run = -1, recording = 0;
  long phaseEnd = nowns() + warmup * 1000000000L;
  char buf[SIZE * 16];
  // the first bytes of a message split across reads, per socket (file descriptors stay under 20,000 here)
  char (*part)[SIZE] = malloc(20480 * sizeof *part);
  int *partLen = calloc(20480, sizeof(int));
  struct epoll_event ev[512];
  for (;;) {
    long now = nowns();
    if (now >= phaseEnd) {
      if (run >= 0) {
        qsort(delays, n, sizeof(long), cmp);
        printf("run %d: %d held, %.0f messages/s, delay ms p50 %.2f p99 %.2f max %.2f\n", run + 1, clients,
               messages / (double) interval, n ? delays[n / 2] / 1e6 : 0, n ? delays[(long) (n * 0.99)] / 1e6 : 0,
               n ? delays[n - 1] / 1e6 : 0);
        fflush(stdout);
      }
      if (++run >= runs) return;
      n = messages = 0;
      recording = 1;
      phaseEnd = now + interval * 1000000000L;
    }
    int k = epoll_wait(ep, ev, 512, 50);
    now = nowns();
    for (int j = 0; j < k; j++) {
      int fd = ev[j].data.fd;
      memcpy(buf, part[fd], partLen[fd]);
      ssize_t r = read(fd, buf + partLen[fd], sizeof buf - partLen[fd]);
      if (r <= 0) continue;
      r += partLen[fd];
      ssize_t off = 0;
      for (; off + SIZE <= r; off += SIZE) {
        long sent;
        memcpy(&sent, buf + off, sizeof sent);
        messages++;
        if (recording && n < cap) delays[n++] = now - sent;
      }
      partLen[fd] = (int) (r - off);
      memcpy(part[fd], buf + off, partLen[fd]);
    }
  }
}

int main(int argc, char **argv) {
  if (argc < 6) { fprintf(stderr, "usage: fanout_floor clients writerThreads warmupSeconds intervalSeconds runs\n"); return 2; }
  clients = atoi(argv[1]);
  threads = atoi(argv[2]);
  int warmup = atoi(argv[3]), interval = atoi(argv[4]), runs = atoi(argv[5]);
  int one = 1, listener = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in server = {0};
  server.sin_family = AF_INET;
  server.sin_addr.s_addr = htonl(0x7f000001);
  socklen_t len = sizeof server;
  if (bind(listener, (void *) &server, sizeof server) || listen(listener, 4096) || getsockname(listener, (void *) &server, &len)) {
    perror("floor server: listen");
    return 1;
  }
  pid_t child = fork();
  if (child == 0) {
    client(server, warmup, interval, runs);
    return 0;
  }
  sockets = malloc(clients * sizeof(int));
  for (int i = 0; i < clients; i++) {
    sockets[i] = accept(listener, NULL, NULL);
    setsockopt(sockets[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  memset(message, 'x', SIZE);
  struct timespec tick;
  clock_gettime(CLOCK_MONOTONIC, &tick);
  for (;;) {
    // every 250 ms on the clock, however long a burst took
    tick.tv_nsec += 250000000L;
    if (tick.tv_nsec >= 1000000000L) { tick.tv_sec++; tick.tv_nsec -= 1000000000L; }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
    if (waitpid(child, NULL, WNOHANG) == child) return 0;
    long t = nowns();
    memcpy(message, &t, sizeof t);
    pthread_t th[64];
    for (long k = 0; k < threads && k < 64; k++) pthread_create(&th[k], NULL, writer, (void *) k);
    for (int k = 0; k < threads && k < 64; k++) pthread_join(th[k], NULL);
  }
}

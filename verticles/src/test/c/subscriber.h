// What the load clients (fanout_client.c, stream_client.c) share: opening a subscriber, WebSocket framing.
#ifndef PULSE_SUBSCRIBER_H
#define PULSE_SUBSCRIBER_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

/** A blocking connection to 127.0.0.1:port from source address 127.0.0.2, .3, ... (5,000 connections each, i: which). */
static int dial(const char *who, int i, int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in local = {0}, server = {0};
  local.sin_family = server.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(0x7f000002 + i / 5000);
  server.sin_port = htons(port);
  server.sin_addr.s_addr = htonl(0x7f000001);
  if (bind(s, (void *) &local, sizeof local) || connect(s, (void *) &server, sizeof server)) {
    fprintf(stderr, "%s: connect to 127.0.0.1:%d: ", who, port);
    perror(NULL);
    exit(1);
  }
  return s;
}

/**
 * Opens subscriber i (see dial): sends the request, reads the response head (blocking, one subscriber at a time)
 * and fails unless it starts with expect, sends frame (frameLen 0: none) and makes the socket non-blocking. What came
 * after the head is left in buf (cap bytes), its length in *len. Exits with a message naming who on any failure.
 */
static int open_subscriber(const char *who, int i, int port, const char *request, const char *expect,
                           const unsigned char *frame, int frameLen, char *buf, int cap, int *len) {
  int s = dial(who, i, port);
  if (write(s, request, strlen(request)) != (ssize_t) strlen(request)) { perror(who); exit(1); }
  int got = 0;
  for (;;) {
    int k = read(s, buf + got, cap - 1 - got);
    if (k <= 0) { fprintf(stderr, "%s: the server closed during the handshake\n", who); exit(1); }
    got += k;
    buf[got] = 0;
    char *end = strstr(buf, "\r\n\r\n");
    if (end) {
      if (strncmp(buf, expect, strlen(expect)) != 0) { fprintf(stderr, "%s: refused: %.120s\n", who, buf); exit(1); }
      *len = got - (int) (end + 4 - buf);
      memmove(buf, end + 4, *len);
      break;
    }
  }
  if (frameLen > 0 && write(s, frame, frameLen) != frameLen) { perror(who); exit(1); }
  fcntl(s, F_SETFL, O_NONBLOCK);
  return s;
}

/** A masked text frame of text (a client's frames are masked, RFC 6455 5.3) into out; returns its length. */
static int ws_masked_text(const char *text, int length, unsigned char *out) {
  static const unsigned char mask[4] = {1, 2, 3, 4};
  int n = 0;
  out[n++] = 0x81;
  if (length < 126) {
    out[n++] = 0x80 | length;
  } else {
    out[n++] = 0x80 | 126;
    out[n++] = length >> 8;
    out[n++] = length & 255;
  }
  memcpy(out + n, mask, 4);
  n += 4;
  for (int i = 0; i < length; i++) out[n++] = text[i] ^ mask[i % 4];
  return n;
}

/**
 * The server frame at b (available bytes): 0 while it is incomplete, -1 if it is larger than max bytes (it would
 * never fit the reader's buffer), else its whole size, with its opcode and where its payload starts and how long it
 * is. Server frames are unmasked: opcode, length (7 bits, or 16 or 64 bits after it), payload.
 */
static long ws_frame(const unsigned char *b, long available, long max, int *opcode, int *header, long *length) {
  *opcode = *header = 0;
  *length = 0;
  if (available < 2) return 0;
  *opcode = b[0] & 15;
  *header = 2;
  *length = b[1] & 127;
  if (*length == 126) {
    if (available < 4) return 0;
    *length = (b[2] << 8) | b[3];
    *header = 4;
  } else if (*length == 127) {
    if (available < 10) return 0;
    *length = 0;
    for (int q = 0; q < 8; q++) *length = (*length << 8) | b[2 + q];
    *header = 10;
  }
  if (*length > max - *header) return -1;
  return available < *header + *length ? 0 : *header + *length;
}
#endif

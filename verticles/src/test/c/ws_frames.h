// WebSocket framing for the load clients (fanout_client.c, stream_client.c): just what a subscriber needs.
#ifndef PULSE_WS_FRAMES_H
#define PULSE_WS_FRAMES_H
#include <string.h>

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

package io.pulse.gateway;

import io.vertx.core.buffer.Buffer;

/**
 * Follows the 4-byte big-endian length prefixes of one TCP bridge connection as its bytes arrive, without keeping
 * them, so a frame announcing more than {@code max} bytes is caught at its prefix, before anyone buffers its body.
 * A prefix is read as unsigned: a negative length is a huge one.
 */
final class FrameCap {

  private final long max;
  private int prefixBytes;
  private long prefix;
  private long bodyLeft;
  private long tooLarge = -1;

  FrameCap(long max) {
    this.max = max;
  }

  /**
   * How many leading bytes of {@code chunk} may go on to the bridge: all of them, or the bytes before the prefix of
   * a frame over the cap (then {@link #tooLarge()} is its announced length and nothing more passes).
   */
  int passable(Buffer chunk) {
    if (tooLarge >= 0) {
      return 0;
    }
    int n = chunk.length();
    int i = 0;
    int prefixStart = 0;
    while (i < n) {
      if (bodyLeft > 0) {
        int take = (int) Math.min(bodyLeft, n - i);
        bodyLeft -= take;
        i += take;
        continue;
      }
      if (prefixBytes == 0) {
        prefixStart = i;
      }
      prefix = (prefix << 8) | (chunk.getByte(i++) & 0xff);
      if (++prefixBytes == 4) {
        long length = prefix;
        prefix = 0;
        prefixBytes = 0;
        if (length > max) {
          tooLarge = length;
          return prefixStart;
        }
        bodyLeft = length;
      }
    }
    return n;
  }

  /** The announced length of the frame refused, or -1 while every frame is within the cap. */
  long tooLarge() {
    return tooLarge;
  }
}

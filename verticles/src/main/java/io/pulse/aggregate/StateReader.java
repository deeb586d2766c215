package io.pulse.aggregate;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * Reads back, in order, what the engine's parts wrote into a buffer for a partition hand-over (see
 * {@link AggregationEngine#export}); a cursor over the buffer.
 */
final class StateReader {

  private final Buffer in;
  private int at;

  StateReader(Buffer in) {
    this.in = in;
  }

  long readLong() {
    long v = in.getLong(at);
    at += 8;
    return v;
  }

  int readInt() {
    int v = in.getInt(at);
    at += 4;
    return v;
  }

  double readDouble() {
    double v = in.getDouble(at);
    at += 8;
    return v;
  }

  boolean readBoolean() {
    return in.getByte(at++) != 0;
  }

  String readString() {
    int n = readInt();
    String s = in.getString(at, at + n, StandardCharsets.UTF_8.name());
    at += n;
    return s;
  }

  static void writeString(Buffer out, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.appendInt(bytes.length).appendBytes(bytes);
  }

  static void writeBoolean(Buffer out, boolean b) {
    out.appendByte((byte) (b ? 1 : 0));
  }
}

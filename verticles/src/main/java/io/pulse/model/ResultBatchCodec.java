package io.pulse.model;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Binary codec for {@link ResultBatch}. A batch repeats a few series keys (one per resolution and correction), so the
 * wire form carries each key once in a dictionary and every result refers to it by index; every other field has a
 * fixed size:
 * <pre>
 *   nKeys:int  (length:int UTF-8 bytes) * nKeys  nResults:int
 *   (keyIndex:int  resolution:long  start:long  count:long  sum min max first last volume vwap:double
 *    final:byte  p50 p90 p99 p999 sma ema:double  late:long  revision:int) * nResults
 * </pre>
 * Inside one JVM the batch is passed as is: it and its results are immutable.
 */
public final class ResultBatchCodec implements MessageCodec<ResultBatch, ResultBatch> {

  public static final String NAME = "pulse-result-batch";
  /** Bytes of one result after its key index. */
  private static final int FIXED = 8 * 3 + 8 * 7 + 1 + 8 * 6 + 8 + 4;

  @Override
  public void encodeToWire(Buffer buffer, ResultBatch batch) {
    List<WindowResult> results = batch.results();
    Map<String, Integer> keys = new HashMap<>();
    List<String> keyOrder = new ArrayList<>();
    int[] index = new int[results.size()];
    for (int i = 0; i < results.size(); i++) {
      index[i] = keys.computeIfAbsent(results.get(i).series(), k -> {
        keyOrder.add(k);
        return keyOrder.size() - 1;
      });
    }
    buffer.appendInt(keyOrder.size());
    for (String key : keyOrder) {
      byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
      buffer.appendInt(bytes.length).appendBytes(bytes);
    }
    buffer.appendInt(results.size());
    for (int i = 0; i < results.size(); i++) {
      WindowResult r = results.get(i);
      buffer.appendInt(index[i]).appendLong(r.resolution()).appendLong(r.start()).appendLong(r.count())
        .appendDouble(r.sum()).appendDouble(r.min()).appendDouble(r.max()).appendDouble(r.first())
        .appendDouble(r.last()).appendDouble(r.volume()).appendDouble(r.vwap())
        .appendByte((byte) (r.isFinal() ? 1 : 0))
        .appendDouble(r.p50()).appendDouble(r.p90()).appendDouble(r.p99()).appendDouble(r.p999())
        .appendDouble(r.sma()).appendDouble(r.ema()).appendLong(r.late()).appendInt(r.revision());
    }
  }

  @Override
  public ResultBatch decodeFromWire(int pos, Buffer buffer) {
    int p = pos;
    int nKeys = buffer.getInt(p);
    p += 4;
    String[] keys = new String[nKeys];
    for (int i = 0; i < nKeys; i++) {
      int len = buffer.getInt(p);
      keys[i] = buffer.getString(p + 4, p + 4 + len, "UTF-8");
      p += 4 + len;
    }
    int n = buffer.getInt(p);
    p += 4;
    List<WindowResult> results = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int q = p + 4;
      results.add(new WindowResult(keys[buffer.getInt(p)], buffer.getLong(q), buffer.getLong(q + 8),
        buffer.getLong(q + 16), buffer.getDouble(q + 24), buffer.getDouble(q + 32), buffer.getDouble(q + 40),
        buffer.getDouble(q + 48), buffer.getDouble(q + 56), buffer.getDouble(q + 64), buffer.getDouble(q + 72),
        buffer.getByte(q + 80) != 0, buffer.getDouble(q + 81), buffer.getDouble(q + 89), buffer.getDouble(q + 97),
        buffer.getDouble(q + 105), buffer.getDouble(q + 113), buffer.getDouble(q + 121), buffer.getLong(q + 129),
        buffer.getInt(q + 137)));
      p = q + FIXED;
    }
    return new ResultBatch(results);
  }

  @Override
  public ResultBatch transform(ResultBatch batch) {
    return batch;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}

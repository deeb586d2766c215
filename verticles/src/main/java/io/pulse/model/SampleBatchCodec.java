package io.pulse.model;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Binary codec for {@link SampleBatch}. A batch repeats a few series keys many times, so the wire form
 * carries each key once in a dictionary and every sample refers to it by index:
 * <pre>
 *   source:str  nKeys:int  key:str * nKeys  nSamples:int
 *   (keyIndex:int  timestamp:long  value:double  volume:double  nTags:short  (k:str v:str) * nTags) * nSamples
 *   str = length:int + UTF-8 bytes
 * </pre>
 * Inside one JVM the batch is passed as is: it is immutable.
 */
public final class SampleBatchCodec implements MessageCodec<SampleBatch, SampleBatch> {

  public static final String NAME = "pulse-sample-batch";

  @Override
  public void encodeToWire(Buffer buffer, SampleBatch batch) {
    List<Sample> samples = batch.samples();
    Map<String, Integer> keys = new HashMap<>();
    List<String> keyOrder = new ArrayList<>();
    int[] index = new int[samples.size()];
    for (int i = 0; i < samples.size(); i++) {
      String series = samples.get(i).series();
      Integer known = keys.get(series);
      if (known == null) {
        known = keyOrder.size();
        keys.put(series, known);
        keyOrder.add(series);
      }
      index[i] = known;
    }
    writeString(buffer, batch.source());
    buffer.appendInt(keyOrder.size());
    for (String key : keyOrder) {
      writeString(buffer, key);
    }
    buffer.appendInt(samples.size());
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      buffer.appendInt(index[i]).appendLong(s.timestamp()).appendDouble(s.value()).appendDouble(s.volume());
      buffer.appendShort((short) s.tags().size());
      for (Map.Entry<String, String> tag : s.tags().entrySet()) {
        writeString(buffer, tag.getKey());
        writeString(buffer, tag.getValue());
      }
    }
  }

  @Override
  public SampleBatch decodeFromWire(int pos, Buffer buffer) {
    int[] at = {pos};
    String source = readString(buffer, at);
    int nKeys = buffer.getInt(at[0]);
    at[0] += 4;
    String[] keys = new String[nKeys];
    for (int i = 0; i < nKeys; i++) {
      keys[i] = readString(buffer, at);
    }
    int n = buffer.getInt(at[0]);
    at[0] += 4;
    List<Sample> samples = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int p = at[0];
      String series = keys[buffer.getInt(p)];
      long ts = buffer.getLong(p + 4);
      double value = buffer.getDouble(p + 12);
      double volume = buffer.getDouble(p + 20);
      int nTags = buffer.getShort(p + 28);
      at[0] = p + 30;
      Map<String, String> tags = Map.of();
      if (nTags > 0) {
        tags = new HashMap<>(nTags * 2);
        for (int t = 0; t < nTags; t++) {
          tags.put(readString(buffer, at), readString(buffer, at));
        }
      }
      samples.add(new Sample(series, ts, value, volume, tags));
    }
    return new SampleBatch(source, samples);
  }

  @Override
  public SampleBatch transform(SampleBatch batch) {
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

  private static void writeString(Buffer buffer, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(bytes.length).appendBytes(bytes);
  }

  private static String readString(Buffer buffer, int[] at) {
    int len = buffer.getInt(at[0]);
    String s = buffer.getString(at[0] + 4, at[0] + 4 + len, "UTF-8");
    at[0] += 4 + len;
    return s;
  }
}

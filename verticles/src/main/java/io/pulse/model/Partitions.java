package io.pulse.model;

import java.util.List;

/**
 * Routing of series to aggregate nodes, shared by ingest (which sends each series to its partition's address)
 * and aggregate (which owns partitions). A series always maps to the same partition, so all its samples meet on
 * one node and its windows stay exact however many aggregate nodes run.
 *
 * <p>Ownership is rendezvous hashing over the sorted aggregate node ids: when a node leaves, only its own
 * partitions move (to the others), and every node that sees the same members computes the same owners.
 */
public final class Partitions {

  private Partitions() {
  }

  /** The partition of a series among {@code partitions}; stable across JVMs (String.hashCode is specified). */
  public static int of(String series, int partitions) {
    return Math.floorMod(mix(series.hashCode()), partitions);
  }

  /** The event-bus address of a partition's owner. */
  public static String address(int partition) {
    return Addresses.SAMPLES_PARTITION_PREFIX + partition;
  }

  /** The node among {@code members} that owns {@code partition}; null when there is none. */
  public static String owner(int partition, List<String> members) {
    String best = null;
    long bestScore = Long.MIN_VALUE;
    for (String member : members) {
      long score = mix64(member.hashCode() * 0x9E3779B97F4A7C15L + partition);
      if (score > bestScore || score == bestScore && (best == null || member.compareTo(best) < 0)) {
        bestScore = score;
        best = member;
      }
    }
    return best;
  }

  private static int mix(int h) {
    // String.hashCode of similar keys differs in low bits only; spread them before the modulo
    h ^= h >>> 16;
    h *= 0x85EBCA6B;
    h ^= h >>> 13;
    return h;
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
    z = (z ^ (z >>> 33)) * 0xC4CEB93FE1A85EC9L;
    return z ^ (z >>> 33);
  }
}

package io.pulse.aggregate;

import io.pulse.model.Partitions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * Which partitions this aggregate node owns. Every aggregate node keeps an entry (its node id, with a time to
 * live) fresh in a cluster-wide map; every node reads the map each period and computes the same owners from the
 * same sorted member list by rendezvous hashing ({@link Partitions#owner}). A node that stops removes its entry;
 * a node that dies drops out when its entry expires. Standalone, the node owns every partition.
 */
final class PartitionOwnership {

  private static final Logger LOG = LoggerFactory.getLogger(PartitionOwnership.class);
  static final String MEMBERS_MAP = "pulse.aggregate.members";
  static final long PERIOD_MS = 1000;
  static final long TTL_MS = 3500;

  private final Vertx vertx;
  private final String nodeId;
  private final int partitions;
  private final Consumer<BitSet> onChange;
  private BitSet owned = new BitSet();
  private List<String> members = List.of();
  private AsyncMap<String, Long> map;
  private long timer = -1;

  PartitionOwnership(Vertx vertx, String nodeId, int partitions, Consumer<BitSet> onChange) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.partitions = partitions;
    this.onChange = onChange;
  }

  /** Joins and computes the first assignment; periodic refreshes follow. */
  Future<Void> start() {
    if (!vertx.isClustered()) {
      members = List.of(nodeId);
      BitSet all = new BitSet();
      all.set(0, partitions);
      apply(all);
      return Future.succeededFuture();
    }
    return vertx.sharedData().<String, Long>getAsyncMap(MEMBERS_MAP).compose(m -> {
      map = m;
      return refresh();
    }).onSuccess(v -> timer = vertx.setPeriodic(PERIOD_MS, id -> refresh()
      .onFailure(err -> LOG.warn("could not refresh the aggregate members in {}: {}; keeping partitions {} for now",
        MEMBERS_MAP, err.getMessage(), owned.cardinality()))));
  }

  /** Leaves: the other nodes take this node's partitions at their next refresh. */
  Future<Void> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return map == null ? Future.succeededFuture() : map.remove(nodeId).<Void>mapEmpty().otherwiseEmpty();
  }

  List<String> members() {
    return members;
  }

  int ownedCount() {
    return owned.cardinality();
  }

  private Future<Void> refresh() {
    return map.put(nodeId, System.currentTimeMillis(), TTL_MS).compose(v -> map.keys()).map(keys -> {
      List<String> sorted = new ArrayList<>(keys);
      if (!sorted.contains(nodeId)) {
        sorted.add(nodeId);
      }
      sorted.sort(null);
      if (!sorted.equals(members)) {
        LOG.info("aggregate members now {}", sorted);
        members = List.copyOf(sorted);
        BitSet mine = new BitSet();
        for (int p = 0; p < partitions; p++) {
          if (nodeId.equals(Partitions.owner(p, members))) {
            mine.set(p);
          }
        }
        apply(mine);
      }
      return null;
    });
  }

  private void apply(BitSet mine) {
    if (!mine.equals(owned)) {
      owned = mine;
      onChange.accept((BitSet) mine.clone());
    }
  }
}

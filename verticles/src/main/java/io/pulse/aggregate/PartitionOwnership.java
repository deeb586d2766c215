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
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Which partitions this aggregate node owns. Every aggregate node keeps an entry (its node id, with a time to
 * live) fresh in a cluster-wide map; every node reads the map each period and computes the same owners from the
 * same sorted member list by rendezvous hashing ({@link Partitions#owner}). A node that stops marks its entry
 * leaving (a negative value: no longer a member, but still there to hand its partitions over), then removes it; a
 * node that dies drops out one period after its entry expired. Standalone, the node owns every partition.
 */
final class PartitionOwnership {

  private static final Logger LOG = LoggerFactory.getLogger(PartitionOwnership.class);
  static final String MEMBERS_MAP = "pulse.aggregate.members";
  static final long PERIOD_MS = 1000;
  static final long TTL_MS = 3500;

  /**
   * One computed assignment. {@code previous}: the members before this change (empty on the first one);
   * {@code present}: every node with an entry, members and leaving nodes alike.
   */
  record Assignment(BitSet mine, List<String> members, List<String> previous, Set<String> present) {
  }

  private final Vertx vertx;
  private final String nodeId;
  private final int partitions;
  private final Consumer<Assignment> onChange;
  private BitSet owned = new BitSet();
  private List<String> members = List.of();
  private AsyncMap<String, Long> map;
  private long timer = -1;
  /** bumped when a hand-over gives this node a partition: a map read started before it is stale */
  private long epoch;
  private boolean leaving;
  /** members missing from the latest read(s) of the map: how many reads in a row */
  private final Map<String, Integer> absences = new java.util.HashMap<>();

  PartitionOwnership(Vertx vertx, String nodeId, int partitions, Consumer<Assignment> onChange) {
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
      owned = all;
      onChange.accept(new Assignment((BitSet) all.clone(), members, List.of(), Set.of(nodeId)));
      return Future.succeededFuture();
    }
    return vertx.sharedData().<String, Long>getAsyncMap(MEMBERS_MAP).compose(m -> {
      map = m;
      return refresh();
    }).onSuccess(v -> timer = vertx.setPeriodic(PERIOD_MS, id -> refresh()
      .onFailure(err -> LOG.warn("could not refresh the aggregate members in {}: {}; keeping partitions {} for now",
        MEMBERS_MAP, err.getMessage(), owned.cardinality()))));
  }

  /**
   * Stops taking part: marks this node leaving (the others stop counting it as a member but wait for its
   * hand-over) and returns the members that remain, read afresh; empty when standalone or alone.
   */
  Future<List<String>> leave() {
    leaving = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    if (map == null) {
      return Future.succeededFuture(List.of());
    }
    return map.put(nodeId, -System.currentTimeMillis(), TTL_MS).compose(v -> map.entries())
      .map(entries -> {
        List<String> rest = new ArrayList<>(membersIn(entries));
        rest.remove(nodeId);
        return rest;
      });
  }

  /** Leaves for good: the entry goes. */
  Future<Void> stop() {
    leaving = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return map == null ? Future.succeededFuture() : map.remove(nodeId).<Void>mapEmpty().otherwiseEmpty();
  }

  /** A hand-over gave this node partition {@code p} before its own refresh did. */
  void adopted(int p) {
    epoch++;
    owned.set(p);
  }

  List<String> members() {
    return members;
  }

  int ownedCount() {
    return owned.cardinality();
  }

  private Future<Void> refresh() {
    long startedAt = epoch;
    return map.put(nodeId, System.currentTimeMillis(), TTL_MS).compose(v -> map.entries()).map(entries -> {
      if (leaving || startedAt != epoch) {
        return null; // read before a hand-over arrived (or while stopping): the next refresh decides
      }
      List<String> sorted = new ArrayList<>(membersIn(entries));
      if (!sorted.contains(nodeId)) {
        sorted.add(nodeId);
      }
      keepBriefAbsentees(sorted, entries);
      sorted.sort(null);
      if (!sorted.equals(members)) {
        LOG.info("aggregate members now {}", sorted);
        List<String> previous = members;
        members = List.copyOf(sorted);
        BitSet mine = new BitSet();
        for (int p = 0; p < partitions; p++) {
          if (nodeId.equals(Partitions.owner(p, members))) {
            mine.set(p);
          }
        }
        if (!mine.equals(owned)) {
          owned = mine;
          onChange.accept(new Assignment((BitSet) mine.clone(), members, previous, Set.copyOf(entries.keySet())));
        }
      }
      return null;
    });
  }

  /**
   * A member whose entry is missing from one read stays a member until it is missing from a second read in a row:
   * a busy node (a cold start while Hazelcast migrates partitions to it) can refresh late, and a member dropped and
   * taken back within a second moves its partitions twice, without their state. A node that leaves says so
   * (its entry marked leaving) and goes at once; a dead node goes one period after its entry expired.
   */
  private void keepBriefAbsentees(List<String> current, Map<String, Long> entries) {
    for (String member : members) {
      if (!current.contains(member) && !entries.containsKey(member)) {
        if (absences.merge(member, 1, Integer::sum) < 2) {
          current.add(member);
        }
      }
    }
    absences.keySet().removeIf(member -> !current.contains(member) || entries.containsKey(member));
  }

  /** The members among the entries: those not marked leaving. */
  private static List<String> membersIn(Map<String, Long> entries) {
    List<String> out = new ArrayList<>();
    entries.forEach((node, value) -> {
      if (value != null && value >= 0) {
        out.add(node);
      }
    });
    out.sort(null);
    return out;
  }
}

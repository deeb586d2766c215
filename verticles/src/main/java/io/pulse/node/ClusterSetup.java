package io.pulse.node;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.pulse.model.ConfigKeys.*;

/** Turns Pulse's cluster keys into a Hazelcast configuration, and checks listed peers before joining. */
final class ClusterSetup {

  private ClusterSetup() {
  }

  static Config hazelcastConfig(JsonObject conf) {
    Config config = load(CLUSTER_CONFIG.stringIn(conf));
    config.setClusterName(CLUSTER_NAME.stringIn(conf));
    String host = CLUSTER_HOST.stringIn(conf);
    List<String> members = CLUSTER_MEMBERS.listIn(conf);
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(CLUSTER_PORT.intIn(conf)).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(true).clear().addInterface(host);
    if (!members.isEmpty()) {
      JoinConfig join = network.getJoin();
      join.getMulticastConfig().setEnabled(false);
      join.getAutoDetectionConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(new ArrayList<>(members));
    }
    return config;
  }

  private static Config load(String location) {
    try {
      Path file = Path.of(location);
      if (Files.isRegularFile(file)) {
        try (InputStream in = Files.newInputStream(file)) {
          return new XmlConfigBuilder(in).build();
        }
      }
      try (InputStream in = ClusterSetup.class.getClassLoader().getResourceAsStream(location)) {
        if (in == null) {
          throw new ConfigException(CLUSTER_CONFIG.name() + ": no Hazelcast XML file at " + file.toAbsolutePath()
            + " nor inside the jar; expected a path to a Hazelcast configuration");
        }
        return new XmlConfigBuilder(in).build();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ConfigException ce) {
        throw ce;
      }
      throw new ConfigException(CLUSTER_CONFIG.name() + ": " + location + " is not a valid Hazelcast configuration: "
        + String.valueOf(e.getMessage()).replaceAll("\\s+", " "));
    }
  }

  /**
   * A node that is not itself a listed member (by host:port, or by a bare host whose default ports Hazelcast
   * probes) joins an existing cluster, so one listed peer must answer within the join timeout. Otherwise
   * Hazelcast would quietly form a cluster of one, which hides a wrong address.
   */
  static void checkPeersReachable(JsonObject conf) {
    String host = CLUSTER_HOST.stringIn(conf);
    int port = CLUSTER_PORT.intIn(conf);
    List<InetSocketAddress> peers = new ArrayList<>();
    for (String member : CLUSTER_MEMBERS.listIn(conf)) {
      int colon = member.lastIndexOf(':');
      if (colon < 0) {
        return; // a bare host includes this node's own default ports: it may start the cluster
      }
      String peerHost = member.substring(0, colon);
      int peerPort;
      try {
        peerPort = Integer.parseInt(member.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new ConfigException(CLUSTER_MEMBERS.name() + ": expected host or host:port entries, got \"" + member + "\"");
      }
      if (peerPort == port && (peerHost.equals(host) || isLoopback(peerHost) && isLoopback(host))) {
        return; // this node is a listed member: it may start the cluster
      }
      peers.add(new InetSocketAddress(peerHost, peerPort));
    }
    if (peers.isEmpty()) {
      return;
    }
    long deadline = System.currentTimeMillis() + CLUSTER_JOIN_TIMEOUT_MS.longIn(conf);
    do {
      for (InetSocketAddress peer : peers) {
        if (answers(peer)) {
          return;
        }
      }
      sleep(500);
    } while (System.currentTimeMillis() < deadline);
    throw new ClusterJoinException(CLUSTER_MEMBERS.name() + ": no listed peer answered within "
      + CLUSTER_JOIN_TIMEOUT_MS.longIn(conf) + " ms (tried " + describe(peers) + "); start a node there first, "
      + "fix the list, or add this node's own address " + host + ":" + port + " to let it start a new cluster");
  }

  private static boolean isLoopback(String host) {
    return host.equals("127.0.0.1") || host.equals("localhost");
  }

  private static boolean answers(InetSocketAddress peer) {
    try (Socket socket = new Socket()) {
      socket.connect(peer, 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String describe(List<InetSocketAddress> peers) {
    return peers.stream().map(p -> p.getHostString() + ":" + p.getPort()).toList().toString();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The cluster could not be joined; exit code 3. */
  static final class ClusterJoinException extends RuntimeException {
    ClusterJoinException(String message) {
      super(message, null, false, false);
    }
  }
}

package io.geodatastore.node;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Starts in-process nodes on an ephemeral port for tests. */
final class TestNodes {

  private TestNodes() {}

  static Map<String, String> settings(Path dataDir) {
    Map<String, String> s = new HashMap<>();
    s.put("node-id", "us-east-1");
    s.put("region", "us-east");
    s.put("http", "127.0.0.1:0");
    s.put("peer", "127.0.0.1:0");
    s.put("data-dir", dataDir.toString());
    s.put("durability", "os");
    s.put("shards", "2");
    return s;
  }

  static GeodsNode start(Path dataDir) {
    return GeodsNode.start(NodeConfig.from(settings(dataDir)));
  }

  static GeodsNode start(Map<String, String> settings) {
    return GeodsNode.start(NodeConfig.from(settings));
  }
}

package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geodatastore.storage.Durability;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class NodeConfigTest {

  @TempDir Path dir;

  @Test
  void flagsOverrideTheConfigFile() throws Exception {
    Path f = dir.resolve("node.yaml");
    Files.writeString(
        f,
        "node-id: eu-west-1\nregion: eu-west\nhttp: 127.0.0.1:8081\npeer: 127.0.0.1:9081\n"
            + "seeds: [127.0.0.1:9080, 127.0.0.1:9082]\ndata-dir: /tmp/x\ndurability: os\n"
            + "max-body-bytes: 2048\n");
    Main.NodeCommand cmd = new Main.NodeCommand();
    new CommandLine(cmd).parseArgs("--config", f.toString(), "--http", "127.0.0.1:7000");
    NodeConfig c = NodeConfig.from(cmd.settings());
    assertThat(c.nodeId()).isEqualTo("eu-west-1");
    assertThat(c.http()).isEqualTo(new HostPort("127.0.0.1", 7000));
    assertThat(c.advertise()).isEqualTo(c.peer());
    assertThat(c.seeds()).hasSize(2);
    assertThat(c.durability()).isEqualTo(Durability.OS);
    assertThat(c.maxBodyBytes()).isEqualTo(2048);
    assertThat(c.maxElementsPerRequest()).isEqualTo(10_000);
    assertThat(c.conflictLogMax()).isEqualTo(100_000);
    assertThat(c.conflictLogMaxAgeHours()).isEqualTo(168);
    assertThat(c.gcIntervalMs()).isEqualTo(60_000);
  }

  @Test
  void conflictLogAndGcSettingsComeFromTheFileOrTheFlags() throws Exception {
    Path f = dir.resolve("node.yaml");
    Files.writeString(
        f,
        "node-id: n1\nregion: r\nhttp: 127.0.0.1:0\npeer: 127.0.0.1:0\ndata-dir: /tmp/x\n"
            + "conflict-log-max: 500\nconflict-log-max-age-hours: 2\n");
    Main.NodeCommand cmd = new Main.NodeCommand();
    new CommandLine(cmd).parseArgs("--config", f.toString(), "--gc-interval-ms", "1500");
    NodeConfig c = NodeConfig.from(cmd.settings());
    assertThat(c.conflictLogMax()).isEqualTo(500);
    assertThat(c.conflictLogMaxAgeHours()).isEqualTo(2);
    assertThat(c.gcIntervalMs()).isEqualTo(1_500);
    Map<String, String> s = TestNodes.settings(dir);
    s.put("conflict-log-max", "0");
    assertThatThrownBy(() -> NodeConfig.from(s)).hasMessageContaining("conflict-log-max");
    s.remove("conflict-log-max");
    s.put("gc-interval-ms", "10");
    assertThatThrownBy(() -> NodeConfig.from(s)).hasMessageContaining("gc-interval-ms");
  }

  @Test
  void antiEntropySettingsHaveDefaultsFlagsAndConfigKeys() throws Exception {
    NodeConfig d = NodeConfig.from(TestNodes.settings(dir));
    assertThat(d.antiEntropyIntervalMs()).isEqualTo(30_000);
    assertThat(d.antiEntropyCrossRegionIntervalMs()).isEqualTo(120_000);
    assertThat(d.antiEntropyBytesPerSec()).isEqualTo(16L << 20);
    assertThat(d.antiEntropyJobBytesPerSec()).isEqualTo(64L << 20);
    assertThat(d.antiEntropyCausalWaitMs()).isEqualTo(5_000);

    Path f = dir.resolve("ae.yaml");
    Files.writeString(
        f,
        "node-id: a\nregion: r\nhttp: 127.0.0.1:8081\npeer: 127.0.0.1:9081\ndata-dir: /tmp/x\n"
            + "anti-entropy-interval-ms: 0\nanti-entropy-bytes-per-sec: 1048576\n");
    Main.NodeCommand cmd = new Main.NodeCommand();
    new CommandLine(cmd)
        .parseArgs(
            "--config",
            f.toString(),
            "--anti-entropy-cross-region-interval-ms",
            "600000",
            "--anti-entropy-job-bytes-per-sec",
            "2097152",
            "--anti-entropy-causal-wait-ms",
            "0");
    NodeConfig c = NodeConfig.from(cmd.settings());
    assertThat(c.antiEntropyIntervalMs()).isZero();
    assertThat(c.antiEntropyCrossRegionIntervalMs()).isEqualTo(600_000);
    assertThat(c.antiEntropyBytesPerSec()).isEqualTo(1 << 20);
    assertThat(c.antiEntropyJobBytesPerSec()).isEqualTo(2 << 20);
    assertThat(c.antiEntropyCausalWaitMs()).isZero();

    Map<String, String> s = TestNodes.settings(dir);
    s.put("anti-entropy-bytes-per-sec", "10");
    assertThatThrownBy(() -> NodeConfig.from(s)).hasMessageContaining("anti-entropy-bytes-per-sec");
    s.remove("anti-entropy-bytes-per-sec");
    s.put("anti-entropy-interval-ms", "-1");
    assertThatThrownBy(() -> NodeConfig.from(s)).hasMessageContaining("anti-entropy-interval-ms");
  }

  @Test
  void merkleVerifyIntervalHasADefaultAFlagAConfigKeyAndBounds() throws Exception {
    assertThat(NodeConfig.from(TestNodes.settings(dir)).merkleVerifyIntervalMs())
        .isEqualTo(6 * 3_600_000L);

    Path f = dir.resolve("verify.yaml");
    Files.writeString(
        f,
        "node-id: a\nregion: r\nhttp: 127.0.0.1:8081\npeer: 127.0.0.1:9081\ndata-dir: /tmp/x\n"
            + "merkle-verify-interval-ms: 60000\n");
    Main.NodeCommand fromFile = new Main.NodeCommand();
    new CommandLine(fromFile).parseArgs("--config", f.toString());
    assertThat(NodeConfig.from(fromFile.settings()).merkleVerifyIntervalMs()).isEqualTo(60_000);
    Main.NodeCommand flag = new Main.NodeCommand();
    new CommandLine(flag).parseArgs("--config", f.toString(), "--merkle-verify-interval-ms", "0");
    assertThat(NodeConfig.from(flag.settings()).merkleVerifyIntervalMs()).as("off").isZero();

    Map<String, String> s = TestNodes.settings(dir);
    s.put("merkle-verify-interval-ms", "-5");
    assertThatThrownBy(() -> NodeConfig.from(s)).hasMessageContaining("merkle-verify-interval-ms");
  }

  @Test
  void maxBatchOperationsHasADefaultAFlagAndBounds() {
    assertThat(NodeConfig.from(TestNodes.settings(dir)).maxBatchOperations()).isEqualTo(1_000);
    Main.NodeCommand flag = new Main.NodeCommand();
    new CommandLine(flag).parseArgs(withRequiredFlags("/tmp/x", "--max-batch-operations", "20000"));
    assertThat(NodeConfig.from(flag.settings()).maxBatchOperations()).isEqualTo(20_000);
    for (String bad : new String[] {"0", "100001"}) {
      Map<String, String> s = TestNodes.settings(dir);
      s.put("max-batch-operations", bad);
      assertThatThrownBy(() -> NodeConfig.from(s)).hasMessageContaining("max-batch-operations");
    }
  }

  @Test
  void badSettingsAreNamedInTheMessage() {
    Map<String, String> s = TestNodes.settings(dir);
    s.put("http", "localhost");
    assertThatThrownBy(() -> NodeConfig.from(s)).hasMessageContaining("http");
    s.put("http", "127.0.0.1:0");
    s.put("max-key-bytes", "513");
    assertThatThrownBy(() -> NodeConfig.from(s)).hasMessageContaining("max-key-bytes");
    s.remove("max-key-bytes");
    s.put("colour", "red");
    assertThatThrownBy(() -> NodeConfig.from(s)).hasMessageContaining("colour");
    s.remove("colour");
    s.remove("node-id");
    assertThatThrownBy(() -> NodeConfig.from(s)).hasMessageContaining("--node-id is required");
  }

  @Test
  void readTimeoutAndSessionWaitHaveDefaultsFlagsAndBounds() throws Exception {
    NodeConfig d = NodeConfig.from(TestNodes.settings(dir));
    assertThat(d.readTimeoutMs()).isEqualTo(5_000);
    assertThat(d.sessionWaitMs()).isEqualTo(200);

    Path f = dir.resolve("node.yaml");
    Files.writeString(f, "read-timeout-ms: 800\n");
    Main.NodeCommand cmd = new Main.NodeCommand();
    new CommandLine(cmd)
        .parseArgs(
            withRequiredFlags(dir.toString(), "--config", f.toString(), "--session-wait-ms", "0"));
    NodeConfig c = NodeConfig.from(cmd.settings());
    assertThat(c.readTimeoutMs()).isEqualTo(800);
    assertThat(c.sessionWaitMs()).isZero();

    Map<String, String> s = TestNodes.settings(dir);
    s.put("read-timeout-ms", "0");
    assertThatThrownBy(() -> NodeConfig.from(s)).hasMessageContaining("read-timeout-ms");
    s.remove("read-timeout-ms");
    s.put("session-wait-ms", "-1");
    assertThatThrownBy(() -> NodeConfig.from(s)).hasMessageContaining("session-wait-ms");
  }

  @Test
  void theCommandLineRejectsAMissingFlagWithUsage() {
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new Main())
            .setErr(new PrintWriter(err))
            .execute("node", "--region", "us-east");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--node-id is required");
  }

  /**
   * The flags every node needs (a node called n in region r, data in {@code dataDir}), then more.
   */
  private static String[] withRequiredFlags(String dataDir, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--node-id",
                "n",
                "--region",
                "r",
                "--http",
                "127.0.0.1:0",
                "--peer",
                "127.0.0.1:0",
                "--data-dir",
                dataDir));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }
}

package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geodatastore.storage.Durability;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
  void theCommandLineRejectsAMissingFlagWithUsage() {
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new Main())
            .setErr(new PrintWriter(err))
            .execute("node", "--region", "us-east");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--node-id is required");
  }
}

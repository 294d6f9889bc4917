package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessDefaultsTest {

  @Test
  void aNodeProcessTurnsLeakDetectionOffUnlessADashDSaysOtherwise() {
    Map<String, String> saved = new HashMap<>();
    Main.LEAK_DETECTION.forEach(p -> saved.put(p, System.getProperty(p)));
    String armeria = Main.LEAK_DETECTION.get(0);
    String grpc = Main.LEAK_DETECTION.get(1);
    try {
      System.clearProperty(armeria);
      System.setProperty(grpc, "paranoid");

      Main.processDefaults();

      assertThat(System.getProperty(armeria)).isEqualTo("disabled");
      assertThat(System.getProperty(grpc)).isEqualTo("paranoid");
    } finally {
      saved.forEach(
          (p, v) -> {
            if (v == null) {
              System.clearProperty(p);
            } else {
              System.setProperty(p, v);
            }
          });
    }
  }
}

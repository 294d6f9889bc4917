package io.geodatastore.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.Flags;
import org.junit.jupiter.api.Test;

class ArmeriaFlagsTest {

  @Test
  void armeriaFindsTheNodesFlagsAndTurnsThePathCachesOff() {
    // Armeria reads its providers once, through META-INF/services: a missing or misspelt services
    // file would leave the caches on without any other sign.
    assertThat(System.getProperty("com.linecorp.armeria.routeCacheSpec")).isNull();
    assertThat(Flags.routeCacheSpec()).isNull();
    assertThat(Flags.routeDecoratorCacheSpec()).isNull();
    assertThat(Flags.parsedPathCacheSpec()).isNull();
  }
}

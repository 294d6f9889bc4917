package io.geodatastore.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.wire.VersionVectorSizeReport.Row;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The compact causal-metadata encoding against the naive one. The inputs are seeded and the sizes
 * are arithmetic, not timings, so the figures are asserted.
 */
class VersionVectorSizeTest {

  @Test
  void compactEncodingIsSmallerAndAtLeastSeventyPercentSmallerWhereADictionaryIsShared() {
    List<Row> rows = VersionVectorSizeReport.measure();
    System.out.print(VersionVectorSizeReport.format(rows));

    Row standalone = rows.get(0);
    Row batch = rows.get(1);
    Row orSet = rows.get(2);
    // A lone vector must also carry its nine replica names once, so it cannot reach 70%.
    assertThat(standalone.compactBytes()).isLessThan(standalone.naiveBytes());
    assertThat(batch.savedFraction()).isGreaterThanOrEqualTo(0.70);
    assertThat(orSet.savedFraction()).isGreaterThanOrEqualTo(0.70);
  }
}

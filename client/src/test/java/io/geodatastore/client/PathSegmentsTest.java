package io.geodatastore.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class PathSegmentsTest {

  @Test
  void unreservedCharactersStayAsTheyAre() {
    assertThat(PathSegments.encode("page_views-2.v~1")).isEqualTo("page_views-2.v~1");
  }

  @Test
  void spacesSlashesAndNonAsciiAreEscapedAsUtf8AndDecodeBack() {
    String key = "a b/c?d#e%f+g ключ 日本";
    String encoded = PathSegments.encode(key);
    assertThat(encoded).doesNotContain(" ", "/", "?", "#", "+").contains("%20", "%2F", "%D0%BA");
    assertThat(URI.create("http://h/crdt/counters/" + encoded).getPath())
        .isEqualTo("/crdt/counters/" + key);
  }
}

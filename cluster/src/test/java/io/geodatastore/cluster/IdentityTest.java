package io.geodatastore.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IdentityTest {

  @Test
  void addressParsesHostPortAndPrintsItBack() {
    NodeAddress a = NodeAddress.parse("10.0.0.7:9080");
    assertThat(a.host()).isEqualTo("10.0.0.7");
    assertThat(a.port()).isEqualTo(9080);
    assertThat(a).hasToString("10.0.0.7:9080");
    assertThat(NodeAddress.parse("node-1.eu-west.example:1"))
        .hasToString("node-1.eu-west.example:1");
  }

  @Test
  void ipv6AddressesGoInBrackets() {
    NodeAddress a = NodeAddress.parse("[::1]:9080");
    assertThat(a.host()).isEqualTo("::1");
    assertThat(a).hasToString("[::1]:9080");
    assertThat(NodeAddress.parse(a.toString())).isEqualTo(a);
    assertThatThrownBy(() -> NodeAddress.parse("::1:9080"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void malformedAddressesAreRejected() {
    for (String bad :
        new String[] {"", "host", "host:", ":80", "host:0", "host:65536", "host:8o", "ho st:80"}) {
      assertThatThrownBy(() -> NodeAddress.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void nodeIdFollowsReplicaIdRulesAndConvertsToIt() {
    assertThat(NodeId.of("us-east-1").replicaId().value()).isEqualTo("us-east-1");
    assertThatThrownBy(() -> NodeId.of("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NodeId.of("a\nb")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void higherIncarnationWinsAndAtEqualIncarnationLeftOverDeadOverSuspectOverAlive() {
    MemberUpdate alive =
        new MemberUpdate(NodeId.of("n"), "r", NodeAddress.parse("h:1"), 5, MemberState.ALIVE);
    assertThat(alive.supersedes(4, MemberState.LEFT)).isTrue();
    assertThat(alive.supersedes(5, MemberState.ALIVE)).isFalse();
    assertThat(alive.supersedes(5, MemberState.SUSPECT)).isFalse();
    assertThat(alive.withState(MemberState.SUSPECT).supersedes(5, MemberState.ALIVE)).isTrue();
    assertThat(alive.withState(MemberState.DEAD).supersedes(5, MemberState.SUSPECT)).isTrue();
    assertThat(alive.withState(MemberState.LEFT).supersedes(5, MemberState.DEAD)).isTrue();
    assertThat(alive.withState(MemberState.DEAD).supersedes(6, MemberState.ALIVE)).isFalse();
  }
}

package io.geodatastore.storage;

import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.crdt.GSet;
import io.geodatastore.core.crdt.LwwRegister;
import io.geodatastore.core.crdt.MvRegister;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.crdt.TwoPhaseSet;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The payload of a state: the bytes a plain, unreplicated store would need for the same value (8
 * for a counter; the UTF-8 text of the elements or values). Everything else a record stores is
 * replication metadata.
 */
public final class Payload {

  private Payload() {}

  public static long bytes(Crdt<?> state) {
    return switch (state) {
      case GCounter g -> g.isEmpty() ? 0 : Long.BYTES;
      case PnCounter p -> p.isEmpty() ? 0 : Long.BYTES;
      case GSet s -> utf8(s.value());
      case TwoPhaseSet s -> utf8(s.value());
      case OrSet s -> utf8(s.value());
      case LwwRegister r -> r.value() == null ? 0 : utf8(List.of(r.value()));
      case MvRegister r -> utf8(r.values());
    };
  }

  private static long utf8(List<String> strings) {
    long n = 0;
    for (String s : strings) {
      n += s.getBytes(StandardCharsets.UTF_8).length;
    }
    return n;
  }
}

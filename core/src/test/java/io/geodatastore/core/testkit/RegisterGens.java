package io.geodatastore.core.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.Dot;
import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.crdt.Conflict;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.LwwRegister;
import io.geodatastore.core.crdt.MvRegister;
import io.geodatastore.core.crdt.Update;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/** Generators of LWW-Register and MV-Register operations, with their models. */
public final class RegisterGens {

  private static final List<String> VALUES = List.of("v0", "v1", "v2", "v3");

  private RegisterGens() {}

  /** One accepted LWW write. */
  private record Write(HlcTimestamp timestamp, String writer, String value) {}

  /**
   * LWW writes stamped by each replica's own HLC over a skewed physical clock; every merge makes
   * the HLC receive the merged timestamp. One write in eight uses a timestamp older than the
   * current one, which must be refused as {@link Conflict.Kind#LWW_WRITE_LOST}. The model is the
   * accepted write with the greatest (timestamp, replica).
   */
  public static TypeGen<LwwRegister> lww() {
    return new TypeGen<>() {
      @Override
      public CrdtType type() {
        return CrdtType.LWW_REGISTER;
      }

      @Override
      public LwwRegister empty() {
        return LwwRegister.EMPTY;
      }

      @Override
      public Model<LwwRegister> newModel(int replicas) {
        return new LwwModel();
      }

      @Override
      public Op<LwwRegister> randomOp(
          Random rnd,
          Node<LwwRegister> at,
          List<Node<LwwRegister>> nodes,
          long trueMs,
          Model<LwwRegister> m) {
        String value = Gen.pick(rnd, VALUES);
        LwwRegister cur = at.state;
        if (!cur.isEmpty() && rnd.nextInt(8) == 0) {
          HlcTimestamp old =
              new HlcTimestamp(Math.max(0, cur.timestamp().wallMs() - rnd.nextInt(3)), 0);
          Update<LwwRegister> u = cur.write(at.id, value, old);
          assertThat(u.changed()).as("a write at " + old + " over " + cur).isFalse();
          assertThat(u.conflicts())
              .extracting(Conflict::kind)
              .containsExactly(Conflict.Kind.LWW_WRITE_LOST);
          return new Op<>(u, null, "stale write " + value + " @" + old);
        }
        at.hlc = at.hlc.tick(at.physicalMs(trueMs));
        HlcTimestamp ts = at.hlc.timestamp();
        Update<LwwRegister> u = cur.write(at.id, value, ts);
        if (u.changed()) {
          ((LwwModel) m).accepted.add(new Write(ts, at.id.value(), value));
        } else {
          assertThat(ts)
              .as("only a write not after the current one is refused")
              .isLessThanOrEqualTo(cur.timestamp());
        }
        return new Op<>(u, null, "write " + value + " @" + ts);
      }

      @Override
      public void onMerged(Node<LwwRegister> at, LwwRegister incoming, long trueMs) {
        if (!incoming.isEmpty()) {
          at.hlc = at.hlc.receive(incoming.timestamp(), at.physicalMs(trueMs)).clock();
        }
      }
    };
  }

  private static final class LwwModel implements TypeGen.Model<LwwRegister> {
    final List<Write> accepted = new ArrayList<>();

    @Override
    public void checkConverged(LwwRegister state, String context) {
      Write max =
          accepted.stream()
              .max(
                  Comparator.comparing(Write::timestamp)
                      .thenComparing(Write::writer)
                      .thenComparing(Write::value))
              .orElse(null);
      if (max == null) {
        assertThat(state.isEmpty()).as(context + ": nothing written").isTrue();
        return;
      }
      assertThat(new Write(state.timestamp(), state.writer().value(), state.value()))
          .as(context + ": the greatest (timestamp, replica) write")
          .isEqualTo(max);
    }
  }

  /** One MV write: its dot, its value, and the dots of the values it replaced. */
  private record MvWrite(Dot dot, String value, Set<Dot> overwritten) {}

  /**
   * MV writes without a context, with the context of this replica's last read, or with a forged
   * context (another replica's, claiming dots this one has not seen), and reads. The model keeps,
   * per replica, the writes known and the ones overwritten; a write overwrites exactly the values
   * present at its replica whose dots its context covers.
   */
  public static TypeGen<MvRegister> mv() {
    return new TypeGen<>() {
      @Override
      public CrdtType type() {
        return CrdtType.MV_REGISTER;
      }

      @Override
      public MvRegister empty() {
        return MvRegister.EMPTY;
      }

      @Override
      public Model<MvRegister> newModel(int replicas) {
        return new MvModel(replicas);
      }

      @Override
      public Op<MvRegister> randomOp(
          Random rnd,
          Node<MvRegister> at,
          List<Node<MvRegister>> nodes,
          long trueMs,
          Model<MvRegister> m) {
        MvModel model = (MvModel) m;
        int choice = rnd.nextInt(10);
        if (choice < 2) {
          at.lastRead = at.state.context();
          return new Op<>(new Update<>(at.state, MvRegister.EMPTY, List.of()), null, "read");
        }
        DotContext seen;
        String how;
        if (choice < 5 || (choice < 8 && at.lastRead == null)) {
          seen = null;
          how = "without context";
        } else if (choice < 8) {
          seen = at.lastRead;
          how = "with read context " + seen;
        } else {
          seen = Gen.pick(rnd, nodes).state.context();
          how = "with forged context " + seen;
        }
        String value = Gen.pick(rnd, VALUES);
        Update<MvRegister> u = at.state.write(at.id, value, seen);
        Dot dot = u.delta().entries().keySet().iterator().next();
        Set<Dot> overwritten = new HashSet<>();
        model
            .present(at.index)
            .keySet()
            .forEach(
                d -> {
                  if (seen == null || seen.contains(d)) {
                    overwritten.add(d);
                  }
                });
        MvWrite w = new MvWrite(dot, value, overwritten);
        model.apply(at.index, w);
        if (u.state().values().size() > 1) {
          assertThat(u.conflicts())
              .extracting(Conflict::kind)
              .containsExactly(Conflict.Kind.MV_REGISTER_SIBLINGS);
        } else {
          assertThat(u.conflicts()).isEmpty();
        }
        return new Op<>(u, w, "write " + value + " " + how);
      }
    };
  }

  private static final class MvModel implements TypeGen.Model<MvRegister> {
    private final List<Map<Dot, String>> known = new ArrayList<>();
    private final List<Set<Dot>> overwritten = new ArrayList<>();

    MvModel(int replicas) {
      for (int i = 0; i < replicas; i++) {
        known.add(new TreeMap<>());
        overwritten.add(new HashSet<>());
      }
    }

    Map<Dot, String> present(int replica) {
      Map<Dot, String> out = new TreeMap<>(known.get(replica));
      out.keySet().removeAll(overwritten.get(replica));
      return out;
    }

    void apply(int replica, MvWrite w) {
      known.get(replica).put(w.dot, w.value);
      for (Dot d : w.overwritten) {
        known.get(replica).putIfAbsent(d, "?");
      }
      overwritten.get(replica).addAll(w.overwritten);
    }

    @Override
    public void delivered(int to, Object event) {
      apply(to, (MvWrite) event);
    }

    @Override
    public void mergedFullState(int into, int from) {
      known
          .get(from)
          .forEach((d, v) -> known.get(into).merge(d, v, (a, b) -> a.equals("?") ? b : a));
      overwritten.get(into).addAll(overwritten.get(from));
    }

    @Override
    public void checkReplica(int replica, MvRegister state, String context) {
      assertThat(state.entries())
          .as(context + ": the writes not overwritten")
          .isEqualTo(present(replica));
      assertThat(state.context().dotCount())
          .as(context + ": the context holds the writes seen")
          .isEqualTo(known.get(replica).size());
      for (Dot d : known.get(replica).keySet()) {
        assertThat(state.context().contains(d)).as(context + ": context holds " + d).isTrue();
      }
    }

    @Override
    public void checkConverged(MvRegister state, String context) {
      Map<Dot, String> all = new TreeMap<>();
      Set<Dot> gone = new HashSet<>();
      for (int i = 0; i < known.size(); i++) {
        known.get(i).forEach((d, v) -> all.merge(d, v, (a, b) -> a.equals("?") ? b : a));
        gone.addAll(overwritten.get(i));
      }
      all.keySet().removeAll(gone);
      assertThat(state.entries())
          .as(context + ": the writes not causally overwritten")
          .isEqualTo(all);
      for (int i = 0; i < known.size(); i++) {
        checkReplica(i, state, context + " (model of replica " + i + ")");
      }
    }
  }
}

package io.geodatastore.wire;

import io.geodatastore.core.causal.HlcTimestamp;
import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.crdt.GSet;
import io.geodatastore.core.crdt.LwwRegister;
import io.geodatastore.core.crdt.MvRegister;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.crdt.TwoPhaseSet;
import io.geodatastore.core.crdt.Update;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Random states of every type, built only through core's API: random operations on one to five
 * replicas with random merges of full states and deltas. Everything follows from one seed.
 */
final class RandomHistories {

  private RandomHistories() {}

  /** Replica ids, including non-ASCII and the shortest and longest allowed. */
  private static final List<String> REPLICA_POOL =
      List.of(
          "us-east-1",
          "eu-west-1",
          "ap-southeast-3",
          "a",
          "Z",
          "région-ü",
          "with space/and:colon",
          "r".repeat(ReplicaId.LENGTH_MAX));

  /** Elements and values: canonical JSON text, opaque to the codec; a small pool so they recur. */
  private static final List<String> VALUE_POOL =
      List.of("\"a\"", "\"b\"", "1", "-2.5", "null", "true", "{\"k\":[1,2]}", "\"ü€😀\"", "\"\"");

  /** How one type is mutated at random. */
  interface Ops<T extends Crdt<T>> {
    T empty();

    /** A random mutation of {@code state} by {@code replica}; {@code peer} is another state. */
    Update<T> mutate(T state, ReplicaId replica, T peer, Random rnd);
  }

  /** The final states of the replicas and every delta produced on the way. */
  record History<T extends Crdt<T>>(List<T> states, List<T> deltas) {}

  static final List<Ops<?>> ALL =
      List.of(
          new Ops<GCounter>() {
            @Override
            public GCounter empty() {
              return GCounter.EMPTY;
            }

            @Override
            public Update<GCounter> mutate(GCounter s, ReplicaId r, GCounter peer, Random rnd) {
              return s.increment(r, amount(rnd));
            }
          },
          new Ops<PnCounter>() {
            @Override
            public PnCounter empty() {
              return PnCounter.EMPTY;
            }

            @Override
            public Update<PnCounter> mutate(PnCounter s, ReplicaId r, PnCounter peer, Random rnd) {
              return rnd.nextBoolean() ? s.increment(r, amount(rnd)) : s.decrement(r, amount(rnd));
            }
          },
          new Ops<GSet>() {
            @Override
            public GSet empty() {
              return GSet.EMPTY;
            }

            @Override
            public Update<GSet> mutate(GSet s, ReplicaId r, GSet peer, Random rnd) {
              return s.add(value(rnd));
            }
          },
          new Ops<TwoPhaseSet>() {
            @Override
            public TwoPhaseSet empty() {
              return TwoPhaseSet.EMPTY;
            }

            @Override
            public Update<TwoPhaseSet> mutate(
                TwoPhaseSet s, ReplicaId r, TwoPhaseSet peer, Random rnd) {
              return rnd.nextInt(3) == 0 ? s.remove(value(rnd)) : s.add(value(rnd));
            }
          },
          new Ops<OrSet>() {
            @Override
            public OrSet empty() {
              return OrSet.EMPTY;
            }

            @Override
            public Update<OrSet> mutate(OrSet s, ReplicaId r, OrSet peer, Random rnd) {
              return switch (rnd.nextInt(5)) {
                case 0 -> s.remove(value(rnd));
                case 1 -> s.addAll(r, List.of(value(rnd), value(rnd)));
                case 2 -> s.removeAll(List.of(value(rnd), value(rnd)));
                default -> s.add(r, value(rnd));
              };
            }
          },
          new Ops<LwwRegister>() {
            @Override
            public LwwRegister empty() {
              return LwwRegister.EMPTY;
            }

            @Override
            public Update<LwwRegister> mutate(
                LwwRegister s, ReplicaId r, LwwRegister peer, Random rnd) {
              // A narrow range of wall times, so equal timestamps from different writers occur.
              HlcTimestamp t = new HlcTimestamp(1 + rnd.nextInt(50), rnd.nextInt(3));
              return s.write(r, value(rnd), t);
            }
          },
          new Ops<MvRegister>() {
            @Override
            public MvRegister empty() {
              return MvRegister.EMPTY;
            }

            @Override
            public Update<MvRegister> mutate(
                MvRegister s, ReplicaId r, MvRegister peer, Random rnd) {
              return switch (rnd.nextInt(3)) {
                case 0 -> s.write(r, value(rnd), null);
                case 1 -> s.write(r, value(rnd), s.context());
                default -> s.write(r, value(rnd), peer.context());
              };
            }
          });

  @SuppressWarnings("unchecked")
  static Ops<OrSet> orSetOps() {
    return (Ops<OrSet>) ALL.get(4);
  }

  /** A random history of {@code ops}'s type. */
  static <T extends Crdt<T>> History<T> run(Ops<T> ops, Random rnd) {
    List<String> pool = new ArrayList<>(REPLICA_POOL);
    Collections.shuffle(pool, rnd);
    int n = 1 + rnd.nextInt(5);
    List<ReplicaId> ids = new ArrayList<>();
    List<T> states = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(ReplicaId.of(pool.get(i)));
      states.add(ops.empty());
    }
    List<T> deltas = new ArrayList<>();
    int steps = rnd.nextInt(40);
    for (int step = 0; step < steps; step++) {
      int i = rnd.nextInt(n);
      int choice = rnd.nextInt(8);
      if (choice == 0 && n > 1) {
        states.set(i, states.get(i).merge(states.get(rnd.nextInt(n))));
      } else if (choice == 1 && !deltas.isEmpty()) {
        states.set(i, states.get(i).merge(deltas.get(rnd.nextInt(deltas.size()))));
      } else {
        Update<T> u = ops.mutate(states.get(i), ids.get(i), states.get(rnd.nextInt(n)), rnd);
        states.set(i, u.state());
        deltas.add(u.delta());
      }
    }
    return new History<>(states, deltas);
  }

  private static long amount(Random rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> 0;
      case 1 -> rnd.nextInt(1 << 20);
      case 2 -> rnd.nextLong(1L << 40);
      default -> 1 + rnd.nextInt(5);
    };
  }

  private static String value(Random rnd) {
    return VALUE_POOL.get(rnd.nextInt(VALUE_POOL.size()));
  }
}

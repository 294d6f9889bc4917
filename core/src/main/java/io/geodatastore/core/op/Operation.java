package io.geodatastore.core.op;

import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import java.util.List;
import java.util.Objects;

/**
 * A client operation on one key, independent of transport: what the HTTP API, the simulator and the
 * tests send to a store. {@link Operations#apply} turns it into a CRDT update.
 */
public sealed interface Operation {

  /** The key family this operation belongs to. */
  Family family();

  /** Whether this operation applies to a key of type {@code type}. */
  boolean appliesTo(CrdtType type);

  /**
   * Creates the key with {@code type}; when it exists with that type this is a no-op. {@code then}
   * optionally sets the initial value in the same atomic step.
   */
  record Create(CrdtType type, Operation then) implements Operation {
    public Create {
      Objects.requireNonNull(type, "type");
      if (then instanceof Create) {
        throw new IllegalArgumentException("a create cannot be followed by another create");
      }
      if (then != null && !then.appliesTo(type)) {
        throw new IllegalArgumentException(then + " does not apply to " + type.apiName());
      }
    }

    @Override
    public Family family() {
      return type.family();
    }

    @Override
    public boolean appliesTo(CrdtType t) {
      return t == type;
    }
  }

  /** Adds {@code amount} (0 or more) to a counter. */
  record Increment(long amount) implements Operation {
    public Increment {
      requireNonNegative(amount);
    }

    @Override
    public Family family() {
      return Family.COUNTERS;
    }

    @Override
    public boolean appliesTo(CrdtType t) {
      return t == CrdtType.G_COUNTER || t == CrdtType.PN_COUNTER;
    }
  }

  /** Subtracts {@code amount} (0 or more) from a PN-Counter. */
  record Decrement(long amount) implements Operation {
    public Decrement {
      requireNonNegative(amount);
    }

    @Override
    public Family family() {
      return Family.COUNTERS;
    }

    @Override
    public boolean appliesTo(CrdtType t) {
      return t == CrdtType.PN_COUNTER;
    }
  }

  /** Adds elements (canonical JSON text) to a set. */
  record Add(List<String> elements) implements Operation {
    public Add {
      elements = List.copyOf(elements);
    }

    @Override
    public Family family() {
      return Family.SETS;
    }

    @Override
    public boolean appliesTo(CrdtType t) {
      return t.family() == Family.SETS;
    }
  }

  /** Removes elements from a 2P-Set or an OR-Set. */
  record Remove(List<String> elements) implements Operation {
    public Remove {
      elements = List.copyOf(elements);
    }

    @Override
    public Family family() {
      return Family.SETS;
    }

    @Override
    public boolean appliesTo(CrdtType t) {
      return t == CrdtType.TWO_PHASE_SET || t == CrdtType.OR_SET;
    }
  }

  /**
   * Writes a register value (canonical JSON text). {@code context} is an MV-Register read context
   * (null: replace every value present); an LWW-Register ignores it.
   */
  record Write(String value, DotContext context) implements Operation {
    public Write {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public Family family() {
      return Family.REGISTERS;
    }

    @Override
    public boolean appliesTo(CrdtType t) {
      return t.family() == Family.REGISTERS;
    }
  }

  private static void requireNonNegative(long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("amount must be 0 or more, got " + amount);
    }
  }
}

package io.geodatastore.core.crdt;

/**
 * The seven replicated data types. The tag is the stable number used in every persisted and wire
 * format; never renumber one.
 */
public enum CrdtType {
  G_COUNTER(1, "g_counter", Family.COUNTERS),
  PN_COUNTER(2, "pn_counter", Family.COUNTERS),
  G_SET(3, "g_set", Family.SETS),
  TWO_PHASE_SET(4, "two_phase_set", Family.SETS),
  OR_SET(5, "or_set", Family.SETS),
  LWW_REGISTER(6, "lww_register", Family.REGISTERS),
  MV_REGISTER(7, "mv_register", Family.REGISTERS);

  private final int tag;
  private final String apiName;
  private final Family family;

  CrdtType(int tag, String apiName, Family family) {
    this.tag = tag;
    this.apiName = apiName;
    this.family = family;
  }

  /** The stable number in encodings. */
  public int tag() {
    return tag;
  }

  /** The name in the HTTP API, e.g. {@code pn_counter}. */
  public String apiName() {
    return apiName;
  }

  public Family family() {
    return family;
  }

  /** The bottom (empty) state of this type. */
  public Crdt<?> empty() {
    return switch (this) {
      case G_COUNTER -> GCounter.EMPTY;
      case PN_COUNTER -> PnCounter.EMPTY;
      case G_SET -> GSet.EMPTY;
      case TWO_PHASE_SET -> TwoPhaseSet.EMPTY;
      case OR_SET -> OrSet.EMPTY;
      case LWW_REGISTER -> LwwRegister.EMPTY;
      case MV_REGISTER -> MvRegister.EMPTY;
    };
  }

  /** The type with that tag, or null. */
  public static CrdtType fromTag(int tag) {
    for (CrdtType t : values()) {
      if (t.tag == tag) {
        return t;
      }
    }
    return null;
  }

  /** The type with that API name, or null. */
  public static CrdtType fromApiName(String name) {
    for (CrdtType t : values()) {
      if (t.apiName.equals(name)) {
        return t;
      }
    }
    return null;
  }
}

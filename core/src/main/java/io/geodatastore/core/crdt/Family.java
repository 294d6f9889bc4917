package io.geodatastore.core.crdt;

/** The three key namespaces of the data API; each has a default type for implicit creation. */
public enum Family {
  COUNTERS("counters"),
  SETS("sets"),
  REGISTERS("registers");

  private final String apiName;

  Family(String apiName) {
    this.apiName = apiName;
  }

  /** The name in URLs: {@code counters}, {@code sets}, {@code registers}. */
  public String apiName() {
    return apiName;
  }

  /** The type a write creates when the key does not exist yet. */
  public CrdtType defaultType() {
    return switch (this) {
      case COUNTERS -> CrdtType.PN_COUNTER;
      case SETS -> CrdtType.OR_SET;
      case REGISTERS -> CrdtType.LWW_REGISTER;
    };
  }

  /** The family with that URL name, or null. */
  public static Family fromApiName(String name) {
    for (Family f : values()) {
      if (f.apiName.equals(name)) {
        return f;
      }
    }
    return null;
  }
}

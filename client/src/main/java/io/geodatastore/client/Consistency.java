package io.geodatastore.client;

import java.util.Locale;

/** The consistency levels of the API, per operation. */
public enum Consistency {
  EVENTUAL,
  SESSION,
  CAUSAL,
  LOCAL_QUORUM,
  QUORUM,
  ALL;

  /** The spelling in the API, e.g. {@code local_quorum}. */
  public String apiName() {
    return name().toLowerCase(Locale.ROOT);
  }
}

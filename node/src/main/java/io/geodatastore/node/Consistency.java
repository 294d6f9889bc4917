package io.geodatastore.node;

import io.geodatastore.cluster.replication.WriteLevel;
import java.util.Locale;

/** The consistency levels of API.md §3: every level for writes, {@code eventual} for reads. */
public enum Consistency {
  EVENTUAL,
  SESSION,
  CAUSAL,
  LOCAL_QUORUM,
  QUORUM,
  ALL;

  public String apiName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The level a write asked for (query parameter and body field; both may be given, if equal);
   * {@code eventual} when neither is. Every level is served for writes: {@code session} and {@code
   * causal} are acknowledged as {@code eventual} (durable here), the quorum levels wait for
   * acknowledgements from the replicas they name.
   *
   * @throws ApiError 400 for an unknown level, or two that disagree
   */
  public static Consistency resolveWrite(String query, String body) {
    Consistency q = query == null ? null : parse(query);
    Consistency b = body == null ? null : parse(body);
    if (q != null && b != null && q != b) {
      throw ApiError.badRequest(
          "invalid_consistency",
          "?consistency="
              + q.apiName()
              + " and \"consistency\":\""
              + b.apiName()
              + "\" disagree; give one of them");
    }
    return q != null ? q : b != null ? b : EVENTUAL;
  }

  /**
   * The level a read asked for ({@code ?consistency=}); {@code eventual} when not given.
   *
   * @throws ApiError 400 for an unknown level, or one reads do not serve yet
   */
  public static Consistency resolveRead(String query) {
    Consistency c = query == null ? EVENTUAL : parse(query);
    if (c != EVENTUAL) {
      throw ApiError.badRequest(
          "consistency_unavailable",
          "reads at consistency level '"
              + c.apiName()
              + "' are not served yet (session, causal and quorum reads come with the"
              + " coordination layer); read with 'eventual' (the default). Writes accept every"
              + " level.");
    }
    return c;
  }

  /** How many replicas a write at this level waits for. */
  public WriteLevel writeLevel() {
    return switch (this) {
      case EVENTUAL, SESSION, CAUSAL -> WriteLevel.LOCAL;
      case LOCAL_QUORUM -> WriteLevel.LOCAL_QUORUM;
      case QUORUM -> WriteLevel.QUORUM;
      case ALL -> WriteLevel.ALL;
    };
  }

  private static Consistency parse(String s) {
    for (Consistency c : values()) {
      if (c.apiName().equals(s)) {
        return c;
      }
    }
    throw ApiError.badRequest(
        "unknown_consistency",
        "unknown consistency level '"
            + s
            + "'; use one of eventual, session, causal, local_quorum, quorum, all");
  }
}

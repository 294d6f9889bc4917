package io.geodatastore.node;

import java.util.Locale;

/** The consistency levels of API.md §3. Only {@code eventual} is served by a single node. */
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
   * The level a request asked for (query parameter and body field; both may be given, if equal);
   * {@code eventual} when neither is.
   *
   * @throws ApiError 400 for an unknown level, or one this node cannot serve yet
   */
  public static Consistency resolve(String query, String body) {
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
    Consistency c = q != null ? q : b != null ? b : EVENTUAL;
    if (c != EVENTUAL) {
      throw ApiError.badRequest(
          "consistency_unavailable",
          "consistency level '"
              + c.apiName()
              + "' needs the replicated cluster, which this build does not have yet; use"
              + " 'eventual' (the default) on a single node");
    }
    return c;
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

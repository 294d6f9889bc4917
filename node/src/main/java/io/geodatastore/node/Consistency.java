package io.geodatastore.node;

import io.geodatastore.cluster.coordination.ReadLevel;
import io.geodatastore.cluster.replication.WriteLevel;
import java.util.Locale;

/** The consistency levels of API.md §3, for writes and reads. */
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
   * The level a read asked for ({@code ?consistency=}); {@code eventual} when not given. Every
   * level is served for reads of one key.
   *
   * @throws ApiError 400 for an unknown level
   */
  public static Consistency resolveRead(String query) {
    return query == null ? EVENTUAL : parse(query);
  }

  /**
   * The level a listing asked for: {@code eventual}, {@code session} or {@code causal}. A listing
   * spans keys no single replica exchange can merge, so the merging levels are refused.
   *
   * @throws ApiError 400 for an unknown level, or a merging one
   */
  public static Consistency resolveList(String query) {
    Consistency c = resolveRead(query);
    if (c.readLevel() != null && c.readLevel().merges()) {
      throw ApiError.badRequest(
          "unsupported_consistency",
          "listings are served at eventual, session and causal consistency, not '"
              + c.apiName()
              + "' (a page of keys is not merged from several replicas); list at session to"
              + " see every key this session wrote, then read the keys at '"
              + c.apiName()
              + "'");
    }
    return c;
  }

  /** The coordinated read level, or null for {@code eventual} (this node's records as they are). */
  public ReadLevel readLevel() {
    return switch (this) {
      case EVENTUAL -> null;
      case SESSION -> ReadLevel.SESSION;
      case CAUSAL -> ReadLevel.CAUSAL;
      case LOCAL_QUORUM -> ReadLevel.LOCAL_QUORUM;
      case QUORUM -> ReadLevel.QUORUM;
      case ALL -> ReadLevel.ALL;
    };
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

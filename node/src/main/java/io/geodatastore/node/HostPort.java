package io.geodatastore.node;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code HOST:PORT} address as the command line takes it. Port 0 asks for any free port (tests).
 * An IPv6 host is written in brackets: {@code [::1]:8080}.
 */
public record HostPort(String host, int port) {

  public HostPort {
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("an address needs a host");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("a port is 0 to 65535, got " + port);
    }
  }

  /** Parses {@code HOST:PORT}; {@code what} names the flag in the message. */
  public static HostPort parse(String what, String s) {
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException(what + " needs HOST:PORT, got nothing");
    }
    String t = s.strip();
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException(what + " needs HOST:PORT, got '" + s + "'");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " has a port that is not a number: '" + s + "'", e);
    }
    try {
      return new HostPort(host, port);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage() + " in '" + s + "'", e);
    }
  }

  /** Parses a comma-separated list; blanks are skipped. */
  public static List<HostPort> parseList(String what, String s) {
    List<HostPort> out = new ArrayList<>();
    if (s == null) {
      return out;
    }
    for (String part : s.split(",", -1)) {
      if (!part.isBlank()) {
        out.add(parse(what, part));
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}

package io.geodatastore.cluster;

/**
 * Where a node's peer transport listens, as {@code host:port}: a DNS name, an IPv4 address, or an
 * IPv6 address in brackets ({@code [::1]:9080}). Only the syntax is checked here; resolving it is
 * the transport's business, so this module never touches {@code java.net}.
 *
 * @param host a name or address without whitespace; IPv6 without the brackets
 * @param port 1 to 65535
 */
public record NodeAddress(String host, int port) implements Comparable<NodeAddress> {

  /** The longest host accepted, in characters (the DNS limit). */
  public static final int HOST_LENGTH_MAX = 253;

  public NodeAddress {
    if (host == null || host.isEmpty() || host.length() > HOST_LENGTH_MAX) {
      throw new IllegalArgumentException(
          "a host is 1 to " + HOST_LENGTH_MAX + " characters, got " + host);
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean ok = Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == ':';
      if (!ok || c > 127) {
        throw new IllegalArgumentException(
            "a host has only ASCII letters, digits, '.-_:': " + host);
      }
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("a port is 1 to 65535, got " + port);
    }
  }

  /**
   * Parses {@code host:port} or {@code [ipv6]:port}.
   *
   * @throws IllegalArgumentException if the text is not of that form
   */
  public static NodeAddress parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("an address is host:port, got null");
    }
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("an address is host:port, got " + text);
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]") && host.length() > 2) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException(
          "an IPv6 address goes in brackets: [::1]:9080, got " + text);
    }
    String port = text.substring(colon + 1);
    for (int i = 0; i < port.length(); i++) {
      if (port.charAt(i) < '0' || port.charAt(i) > '9' || i >= 5) {
        throw new IllegalArgumentException("a port is 1 to 65535, got " + text);
      }
    }
    return new NodeAddress(host, Integer.parseInt(port));
  }

  @Override
  public int compareTo(NodeAddress o) {
    int c = host.compareTo(o.host);
    return c != 0 ? c : Integer.compare(port, o.port);
  }

  /** {@code host:port}, with brackets around an IPv6 host; {@link #parse} reads it back. */
  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}

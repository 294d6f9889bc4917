package io.geodatastore.node;

import com.linecorp.armeria.common.FlagsProvider;

/**
 * Armeria's defaults that do not suit a key-value API, found by Armeria through {@code
 * META-INF/services}; {@code -Dcom.linecorp.armeria.*} system properties still override them.
 *
 * <p>Armeria caches routing decisions and parsed paths by request path, 4,096 of each. Here the
 * path names the key, so under a load on 10,000 keys almost every request missed the caches and
 * then added to them: their upkeep ran in the common fork-join pool at 5 µs of CPU per write, on
 * top of the lookups on the event loops, and made garbage every collection copied. Without them a
 * request is routed by a walk down Armeria's routing trie.
 */
public final class ArmeriaFlags implements FlagsProvider {

  @Override
  public int priority() {
    // Above Armeria's defaults, below its system-property provider.
    return 0;
  }

  @Override
  public String routeCacheSpec() {
    return "off";
  }

  @Override
  public String routeDecoratorCacheSpec() {
    return "off";
  }

  @Override
  public String parsedPathCacheSpec() {
    return "off";
  }
}

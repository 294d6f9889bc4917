/**
 * The distributed logic of a node as deterministic state machines, driven only through an {@link
 * io.geodatastore.cluster.Env}: membership today, replication and anti-entropy later.
 *
 * <p>Nothing in this package or below reads a clock, starts a thread, opens a socket or draws
 * randomness of its own; the {@code node} module supplies the real {@code Env} and the simulator a
 * virtual one, so that one seed replays a whole cluster.
 */
package io.geodatastore.cluster;

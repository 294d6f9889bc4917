package io.geodatastore.storage;

import io.geodatastore.core.crdt.Crdt;
import io.geodatastore.core.crdt.CrdtType;

/** The outcome of a read. */
public sealed interface ReadResult {

  /** A live key: its type, state and epoch. */
  record Found(KeyRef key, CrdtType type, Crdt<?> state, Epoch epoch) implements ReadResult {}

  /** No such key, or it was deleted. */
  record NotFound(KeyRef key) implements ReadResult {}

  /** The stored value is corrupt and awaits repair. */
  record Quarantined(KeyRef key, String reason) implements ReadResult {}
}

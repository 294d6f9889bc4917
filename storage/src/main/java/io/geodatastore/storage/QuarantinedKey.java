package io.geodatastore.storage;

/** A key whose stored value failed its checksum or decode, with when and why. */
public record QuarantinedKey(KeyRef key, String reason, long sinceMs) {}

package io.geodatastore.storage;

import io.geodatastore.core.crdt.CrdtType;

/** One key of a listing: its name and type. */
public record KeyListing(String name, CrdtType type) {}

package io.geodatastore.storage;

/**
 * What one garbage collection reclaimed.
 *
 * @param tombstonesDropped tombstones removed because every replica has their delete
 * @param epochsForgotten live records whose stable epoch was reset to zero
 * @param bytesReclaimed stored bytes (keys and values) freed
 */
public record GcResult(long tombstonesDropped, long epochsForgotten, long bytesReclaimed) {}

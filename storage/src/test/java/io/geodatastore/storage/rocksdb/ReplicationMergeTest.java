package io.geodatastore.storage.rocksdb;

import static io.geodatastore.storage.rocksdb.Stores.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.MergeResult;
import io.geodatastore.storage.ReadResult;
import io.geodatastore.storage.WriteResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merging another origin's replication-log entries: idempotent and duplicate-safe, epochs decide
 * between deletes and writes. Each store has its own injected wall clock, so which delete is newer
 * is decided by the test, not by timing.
 */
class ReplicationMergeTest {

  @TempDir Path dir;
  final AtomicLong clockA = new AtomicLong(1_000_000);
  final AtomicLong clockB = new AtomicLong(1_000_000);
  RocksStore a;
  RocksStore b;
  final KeyRef k = KeyRef.of(Family.COUNTERS, "k");

  @BeforeEach
  void open() {
    a = RocksStore.open(Stores.fast(dir.resolve("a"), "node-a").withWallClock(clockA::get));
    b = RocksStore.open(Stores.fast(dir.resolve("b"), "node-b").withWallClock(clockB::get));
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  private List<LogEntry> logOfB(long from) {
    return b.readLog(b.replicaId(), from, 10_000, Long.MAX_VALUE);
  }

  private long valueIn(RocksStore s) {
    ReadResult r = s.read(k);
    return r instanceof ReadResult.Found f ? ((PnCounter) f.state()).value() : Long.MIN_VALUE;
  }

  @Test
  void entriesMergedInAnyOrderAndAnyNumberOfTimesGiveTheOriginsState() {
    for (int i = 1; i <= 30; i++) {
      Operation op = i % 3 == 0 ? new Operation.Decrement(i) : new Operation.Increment(i);
      await(b.write(k, op));
    }
    List<LogEntry> entries = new ArrayList<>(logOfB(1));
    assertThat(entries).hasSize(30);
    entries.addAll(logOfB(10)); // duplicates
    Collections.shuffle(entries, new Random(1));
    for (LogEntry e : entries) {
      await(a.merge(e));
    }
    assertThat(valueIn(a)).isEqualTo(valueIn(b));
    for (LogEntry e : logOfB(1)) {
      MergeResult again = await(a.merge(e));
      assertThat(again.changed()).as("merging %s again", e.id()).isFalse();
    }
    assertThat(a.lastSequence()).as("merges do not originate entries").isZero();
  }

  @Test
  void anOlderEpochEntryAfterADeleteIsIgnoredAndANewerEpochTombstoneReplaces() throws Exception {
    await(b.write(k, new Operation.Increment(5)));
    await(a.merge(logOfB(1).get(0)));
    assertThat(valueIn(a)).isEqualTo(5);

    // B keeps writing in epoch 0 while A deletes: A's delete wins over what it did not see.
    await(b.write(k, new Operation.Increment(100)));
    WriteResult.Written delA = (WriteResult.Written) await(a.delete(k));
    MergeResult stale = await(a.merge(logOfB(2).get(0)));
    assertThat(stale.changed()).isFalse();
    assertThat(a.read(k)).isInstanceOf(ReadResult.NotFound.class);
    assertThat(a.readRecord(k).epochDot()).isEqualTo(delA.logId());

    // B deletes later (its clock is ahead): B's epoch is newer and its tombstone replaces A's.
    clockB.set(2_000_000);
    WriteResult.Written delB = (WriteResult.Written) await(b.delete(k));
    MergeResult newer = await(a.merge(logOfB(3).get(0)));
    assertThat(newer.changed()).isTrue();
    KeyRecord rec = a.readRecord(k);
    assertThat(rec.live()).isFalse();
    assertThat(rec.epochDot()).isEqualTo(delB.logId());
    assertThat(rec.epoch().replica()).isEqualTo(b.replicaId());

    // A write in B's epoch revives the key on A from zero, and A's older delete cannot undo it.
    await(b.write(k, new Operation.Increment(3)));
    await(a.merge(logOfB(4).get(0)));
    assertThat(valueIn(a)).isEqualTo(3);
    await(b.merge(a.readLog(a.replicaId(), 1, 10, Long.MAX_VALUE).get(0)));
    assertThat(valueIn(b)).isEqualTo(3);
    // Both replicas hold the same record.
    assertThat(a.readRecord(k)).isEqualTo(b.readRecord(k));
  }

  @Test
  void aWriteAfterALocalDeleteContinuesInTheDeletesEpochOnEveryReplica() throws Exception {
    await(a.write(k, new Operation.Increment(9)));
    await(a.delete(k));
    await(a.write(k, new Operation.Increment(4)));
    for (LogEntry e : a.readLog(a.replicaId(), 1, 100, Long.MAX_VALUE)) {
      await(b.merge(e));
    }
    assertThat(valueIn(b)).isEqualTo(4);
    assertThat(b.readRecord(k)).isEqualTo(a.readRecord(k));
  }

  @Test
  void anLwwWriteAfterMergingAValueFromAClockAheadStillWins() {
    KeyRef reg = KeyRef.of(Family.REGISTERS, "r");
    clockB.set(clockA.get() + 30_000); // B's wall clock 30 s ahead, within the max offset
    await(b.write(reg, new Operation.Write("\"from-b\"", null)));
    for (LogEntry e : b.readLog(b.replicaId(), 1, 10, Long.MAX_VALUE)) {
      await(a.merge(e));
    }
    await(a.write(reg, new Operation.Write("\"from-a-later\"", null)));
    ReadResult r = a.read(reg);
    assertThat(r).isInstanceOf(ReadResult.Found.class);
    assertThat(((io.geodatastore.core.crdt.LwwRegister) ((ReadResult.Found) r).state()).value())
        .as("a write that followed the merged value is ordered after it")
        .isEqualTo("\"from-a-later\"");
  }

  @Test
  void aDeleteAfterMergingARecordFromAClockAheadStartsAGreaterEpoch() {
    clockB.set(clockA.get() + 30_000);
    await(b.write(k, new Operation.Increment(1)));
    await(b.delete(k));
    await(b.write(k, new Operation.Increment(2)));
    for (LogEntry e : logOfB(1)) {
      await(a.merge(e));
    }
    await(a.delete(k));
    for (LogEntry e : a.readLog(a.replicaId(), 1, 10, Long.MAX_VALUE)) {
      await(b.merge(e));
    }
    assertThat(a.read(k)).isInstanceOf(ReadResult.NotFound.class);
    assertThat(b.read(k)).as("A's delete wins on B too").isInstanceOf(ReadResult.NotFound.class);
  }
}

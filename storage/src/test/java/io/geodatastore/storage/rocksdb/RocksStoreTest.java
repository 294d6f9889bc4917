package io.geodatastore.storage.rocksdb;

import static io.geodatastore.storage.rocksdb.Stores.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.geodatastore.core.causal.DotContext;
import io.geodatastore.core.crdt.CrdtType;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.GCounter;
import io.geodatastore.core.crdt.GSet;
import io.geodatastore.core.crdt.LwwRegister;
import io.geodatastore.core.crdt.MvRegister;
import io.geodatastore.core.crdt.OrSet;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.core.crdt.TwoPhaseSet;
import io.geodatastore.core.op.Operation;
import io.geodatastore.storage.Epoch;
import io.geodatastore.storage.KeyListing;
import io.geodatastore.storage.KeyRecord;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.ReadResult;
import io.geodatastore.storage.WriteResult;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client writes, reads, deletes, listings and the replication log of one RocksStore. */
class RocksStoreTest {

  @TempDir Path dir;
  RocksStore store;

  @BeforeEach
  void open() {
    store = RocksStore.open(Stores.fast(dir.resolve("db"), "node-a"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private WriteResult.Written written(KeyRef k, Operation op) {
    WriteResult r = await(store.write(k, op));
    assertThat(r).as("%s on %s", op, k).isInstanceOf(WriteResult.Written.class);
    return (WriteResult.Written) r;
  }

  private ReadResult.Found found(KeyRef k) {
    ReadResult r = store.read(k);
    assertThat(r).as("read of %s", k).isInstanceOf(ReadResult.Found.class);
    return (ReadResult.Found) r;
  }

  private static KeyRef counter(String n) {
    return KeyRef.of(Family.COUNTERS, n);
  }

  private static KeyRef set(String n) {
    return KeyRef.of(Family.SETS, n);
  }

  private static KeyRef register(String n) {
    return KeyRef.of(Family.REGISTERS, n);
  }

  private static Operation inc(long n) {
    return new Operation.Increment(n);
  }

  private static Operation add(String... e) {
    return new Operation.Add(List.of(e));
  }

  @Test
  void countersOfBothTypesTakeCreatesIncrementsAndDecrements() {
    WriteResult.Written w = written(counter("g"), new Operation.Create(CrdtType.G_COUNTER, inc(5)));
    assertThat(w.created()).isTrue();
    assertThat(w.logId()).isNotNull();
    assertThat(written(counter("g"), inc(3)).created()).isFalse();
    assertThat(found(counter("g")).type()).isEqualTo(CrdtType.G_COUNTER);
    assertThat(((GCounter) found(counter("g")).state()).value()).isEqualTo(8);

    assertThat(written(counter("p"), new Operation.Create(CrdtType.PN_COUNTER, null)).created())
        .isTrue();
    assertThat(found(counter("p")).state()).isEqualTo(PnCounter.EMPTY);
    written(counter("p"), inc(10));
    written(counter("p"), new Operation.Decrement(4));
    assertThat(((PnCounter) found(counter("p")).state()).value()).isEqualTo(6);
  }

  @Test
  void setsOfEveryTypeTakeAddsAndRemoves() {
    written(set("g"), new Operation.Create(CrdtType.G_SET, add("\"a\"")));
    written(set("g"), add("\"b\""));
    assertThat(((GSet) found(set("g")).state()).value()).containsExactly("\"a\"", "\"b\"");

    written(set("2p"), new Operation.Create(CrdtType.TWO_PHASE_SET, add("\"a\"", "\"b\"")));
    written(set("2p"), new Operation.Remove(List.of("\"a\"")));
    assertThat(((TwoPhaseSet) found(set("2p")).state()).value()).containsExactly("\"b\"");

    written(set("or"), new Operation.Create(CrdtType.OR_SET, add("\"x\"", "\"y\"")));
    written(set("or"), new Operation.Remove(List.of("\"x\"")));
    written(set("or"), add("\"z\""));
    assertThat(((OrSet) found(set("or")).state()).value()).containsExactly("\"y\"", "\"z\"");
  }

  @Test
  void registersTakeWritesAndAnMvRegisterKeepsWritesItsContextDidNotSee() {
    written(register("lww"), new Operation.Write("1", null));
    written(register("lww"), new Operation.Write("2", null));
    assertThat(((LwwRegister) found(register("lww")).state()).value()).isEqualTo("2");

    written(
        register("mv"),
        new Operation.Create(CrdtType.MV_REGISTER, new Operation.Write("\"a\"", null)));
    DotContext seen = ((MvRegister) found(register("mv")).state()).context();
    written(register("mv"), new Operation.Write("\"b\"", seen));
    assertThat(((MvRegister) found(register("mv")).state()).values()).containsExactly("\"b\"");
    // A writer that saw nothing leaves "b" in place: two concurrent values.
    written(register("mv"), new Operation.Write("\"c\"", DotContext.EMPTY));
    assertThat(((MvRegister) found(register("mv")).state()).values())
        .containsExactlyInAnyOrder("\"b\"", "\"c\"");
    // A write with the full context replaces both.
    DotContext all = ((MvRegister) found(register("mv")).state()).context();
    written(register("mv"), new Operation.Write("\"d\"", all));
    assertThat(((MvRegister) found(register("mv")).state()).values()).containsExactly("\"d\"");
  }

  @Test
  void aWriteToAMissingKeyCreatesItWithTheFamilysDefaultType() {
    assertThat(written(counter("c"), inc(1)).type()).isEqualTo(CrdtType.PN_COUNTER);
    assertThat(written(set("s"), add("1")).type()).isEqualTo(CrdtType.OR_SET);
    assertThat(written(register("r"), new Operation.Write("1", null)).type())
        .isEqualTo(CrdtType.LWW_REGISTER);
    assertThat(found(counter("c")).type()).isEqualTo(CrdtType.PN_COUNTER);
    assertThat(found(set("s")).type()).isEqualTo(CrdtType.OR_SET);
    assertThat(found(register("r")).type()).isEqualTo(CrdtType.LWW_REGISTER);
  }

  @Test
  void anOperationTheTypeDoesNotTakeIsATypeMismatchAndChangesNothing() {
    written(counter("g"), new Operation.Create(CrdtType.G_COUNTER, inc(2)));
    long seq = store.lastSequence();
    assertThat(await(store.write(counter("g"), new Operation.Decrement(1))))
        .isEqualTo(new WriteResult.TypeMismatch(counter("g"), CrdtType.G_COUNTER));
    assertThat(await(store.write(counter("g"), new Operation.Create(CrdtType.PN_COUNTER, null))))
        .isEqualTo(new WriteResult.TypeMismatch(counter("g"), CrdtType.G_COUNTER));
    // Creating it again with its own type is a no-op: no log entry.
    assertThat(written(counter("g"), new Operation.Create(CrdtType.G_COUNTER, null)).logId())
        .isNull();
    assertThat(((GCounter) found(counter("g")).state()).value()).isEqualTo(2);
    assertThat(store.lastSequence()).isEqualTo(seq);
    assertThatThrownBy(() -> store.write(counter("g"), add("1")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anOverflowingIncrementIsRefusedAndLeavesTheStateAndLogUnchanged() {
    written(counter("big"), inc(Long.MAX_VALUE));
    long seq = store.lastSequence();
    long entries = store.stats().logEntries();
    assertThat(await(store.write(counter("big"), inc(1)))).isInstanceOf(WriteResult.Overflow.class);
    assertThat(((PnCounter) found(counter("big")).state()).value()).isEqualTo(Long.MAX_VALUE);
    assertThat(store.lastSequence()).isEqualTo(seq);
    assertThat(store.stats().logEntries()).isEqualTo(entries);
  }

  @Test
  void deleteLeavesATombstoneInANewEpochAndARecreatedKeyStartsFromZeroInThatEpoch()
      throws Exception {
    written(counter("c"), inc(7));
    WriteResult.Written del = (WriteResult.Written) await(store.delete(counter("c")));
    assertThat(del.logId()).isNotNull();
    assertThat(store.read(counter("c"))).isEqualTo(new ReadResult.NotFound(counter("c")));
    KeyRecord tomb = store.readRecord(counter("c"));
    assertThat(tomb.live()).isFalse();
    assertThat(tomb.type()).isEqualTo(CrdtType.PN_COUNTER);
    assertThat(tomb.epoch().isZero()).isFalse();
    assertThat(tomb.epoch()).isEqualTo(new Epoch(del.at(), store.replicaId()));
    assertThat(tomb.epochDot()).isEqualTo(del.logId());
    assertThat(await(store.delete(counter("c")))).isInstanceOf(WriteResult.NotFound.class);
    assertThat(await(store.delete(counter("never")))).isInstanceOf(WriteResult.NotFound.class);

    WriteResult.Written again = written(counter("c"), inc(2));
    assertThat(again.created()).isTrue();
    ReadResult.Found f = found(counter("c"));
    assertThat(((PnCounter) f.state()).value()).isEqualTo(2);
    assertThat(f.epoch()).isEqualTo(tomb.epoch());
    assertThat(store.readRecord(counter("c")).epochDot()).isEqualTo(del.logId());
    // The log entry of the re-creation carries the epoch, so replicas place it after the delete.
    LogEntry last = store.readLog(store.replicaId(), again.logId().counter(), 1, 1 << 20).get(0);
    assertThat(last.epoch()).isEqualTo(tomb.epoch());
    assertThat(last.live()).isTrue();
  }

  @Test
  void aRecreationWithAnotherTypeAfterADeleteReplacesTheOldType() throws Exception {
    written(set("s"), new Operation.Create(CrdtType.G_SET, add("1")));
    await(store.delete(set("s")));
    written(set("s"), new Operation.Create(CrdtType.TWO_PHASE_SET, add("2")));
    assertThat(found(set("s")).type()).isEqualTo(CrdtType.TWO_PHASE_SET);
    assertThat(store.list(Family.SETS, "", null, 10))
        .containsExactly(new KeyListing("s", CrdtType.TWO_PHASE_SET));
    assertThat(store.readRecord(set("s")).type()).isEqualTo(CrdtType.TWO_PHASE_SET);
  }

  @Test
  void listMergesAFamilysTypesByNameHonoursPrefixAfterAndLimitAndSkipsTombstones() {
    written(set("a1"), add("1"));
    written(set("a2"), new Operation.Create(CrdtType.G_SET, add("1")));
    written(set("a3"), new Operation.Create(CrdtType.TWO_PHASE_SET, add("1")));
    written(set("a4"), add("1"));
    written(set("b1"), add("1"));
    written(counter("a0"), inc(1));
    await(store.delete(set("a4")));

    assertThat(store.list(Family.SETS, "a", null, 10))
        .containsExactly(
            new KeyListing("a1", CrdtType.OR_SET),
            new KeyListing("a2", CrdtType.G_SET),
            new KeyListing("a3", CrdtType.TWO_PHASE_SET));
    assertThat(store.list(Family.SETS, "a", "a1", 10))
        .extracting(KeyListing::name)
        .containsExactly("a2", "a3");
    assertThat(store.list(Family.SETS, "a", null, 2))
        .extracting(KeyListing::name)
        .containsExactly("a1", "a2");
    assertThat(store.list(Family.SETS, "", null, 10))
        .extracting(KeyListing::name)
        .containsExactly("a1", "a2", "a3", "b1");
    assertThat(store.list(Family.SETS, "b", null, 10)).extracting(KeyListing::name).contains("b1");
    assertThat(store.list(Family.SETS, "", "a3", 10))
        .extracting(KeyListing::name)
        .containsExactly("b1");
    assertThat(store.list(Family.COUNTERS, "", null, 10))
        .extracting(KeyListing::name)
        .containsExactly("a0");
    assertThat(store.list(Family.SETS, "a", null, 0)).isEmpty();
  }

  @Test
  void everyChangingWriteAppendsExactlyOneLogEntryWithConsecutiveSequenceNumbers() {
    int changing = 0;
    for (int i = 0; i < 20; i++) {
      WriteResult.Written w = written(counter("k" + (i % 3)), inc(i % 4));
      if (i % 4 != 0 || w.created()) {
        changing++;
        assertThat(w.logId()).isNotNull();
        assertThat(w.logId().counter()).isEqualTo(changing);
      } else {
        assertThat(w.logId()).as("an increment by 0 of an existing key changes nothing").isNull();
      }
    }
    assertThat(store.lastSequence()).isEqualTo(changing);
    List<LogEntry> log = store.readLog(store.replicaId(), 1, 1000, Long.MAX_VALUE);
    assertThat(log).hasSize(changing);
    for (int i = 0; i < log.size(); i++) {
      assertThat(log.get(i).id().counter()).isEqualTo(i + 1);
      assertThat(log.get(i).id().replica()).isEqualTo(store.replicaId());
    }
    assertThat(store.stats().logEntries()).isEqualTo(changing);

    assertThat(store.readLog(store.replicaId(), 1, 2, Long.MAX_VALUE)).hasSize(2);
    assertThat(store.readLog(store.replicaId(), 1, 100, 1)).hasSize(1);
    assertThat(store.readLog(store.replicaId(), 5, 100, Long.MAX_VALUE).get(0).id().counter())
        .isEqualTo(5);
    assertThat(store.readLog(store.replicaId(), changing + 1, 100, Long.MAX_VALUE)).isEmpty();

    assertThat(store.trimLog(store.replicaId(), 4)).isEqualTo(4);
    assertThat(store.trimLog(store.replicaId(), 4)).isZero();
    assertThat(store.readLog(store.replicaId(), 1, 100, Long.MAX_VALUE).get(0).id().counter())
        .isEqualTo(5);
    assertThat(store.stats().logEntries()).isEqualTo(changing - 4);
    assertThat(store.lastSequence()).isEqualTo(changing);
    assertThat(written(counter("k0"), inc(1)).logId().counter()).isEqualTo(changing + 1);
  }

  @Test
  void aReadInMemoryAnswersFromMemoryAndDeclinesWhatOnlyATableFileHolds() {
    // Counters enough for a table file of many blocks, so that nothing but the read below caches
    // the block of the last one.
    for (int i = 0; i < 2_000; i++) {
      written(counter(String.format("c%04d", i)), inc(i));
    }
    KeyRef last = counter("c1999");
    ReadResult fromMemtable = store.readInMemory(last);
    assertThat(fromMemtable).isInstanceOf(ReadResult.Found.class);
    assertThat(((PnCounter) ((ReadResult.Found) fromMemtable).state()).value()).isEqualTo(1999);

    store.compactRecords(); // into a table file
    store.close();
    store = RocksStore.open(Stores.fast(dir.resolve("db"), "node-a")); // an empty block cache
    assertThat(store.readInMemory(last)).as("a record only on disk").isNull();
    assertThat(((PnCounter) found(last).state()).value()).isEqualTo(1999);
    ReadResult cached = store.readInMemory(last); // the read above cached its block
    assertThat(cached).isInstanceOf(ReadResult.Found.class);
    assertThat(((PnCounter) ((ReadResult.Found) cached).state()).value()).isEqualTo(1999);
  }

  @Test
  void verifyingTheTreeWalksItsWholeIndexWithoutFillingTheBlockCache() {
    for (int i = 0; i < 20_000; i++) {
      written(counter(String.format("v%05d", i)), inc(1));
    }
    store.compactRecords();
    store.close();
    store = RocksStore.open(Stores.fast(dir.resolve("db"), "node-a")); // index in table files
    long before = store.blockCacheUsage();

    assertThat(store.verifyMerkle()).isZero();

    // The index of 20,000 keys is hundreds of kilobytes of blocks; a walk that cached them would
    // show here.
    assertThat(store.blockCacheUsage() - before).isLessThan(32 << 10);
    assertThat(((PnCounter) found(counter("v12345")).state()).value()).isEqualTo(1);
    assertThat(store.blockCacheUsage() - before).as("a point read still caches").isPositive();
  }

  @Test
  void aReopenedStoreKeepsItsDataReplicaIdAndSequenceNumbering() throws Exception {
    written(counter("c"), inc(41));
    written(set("s"), add("\"x\""));
    await(store.delete(set("s")));
    var id = store.replicaId();
    long seq = store.lastSequence();
    store.close();

    store = RocksStore.open(Stores.fast(dir.resolve("db"), "node-a"));
    assertThat(store.replicaId()).isEqualTo(id);
    assertThat(store.nodeId()).isEqualTo("node-a");
    assertThat(store.lastSequence()).isEqualTo(seq);
    assertThat(((PnCounter) found(counter("c")).state()).value()).isEqualTo(41);
    assertThat(store.read(set("s"))).isInstanceOf(ReadResult.NotFound.class);
    assertThat(store.readRecord(set("s")).live()).isFalse();
    assertThat(written(counter("c"), inc(1)).logId().counter()).isEqualTo(seq + 1);
    assertThat(store.readLog(id, 1, 100, Long.MAX_VALUE)).hasSize((int) seq + 1);
  }

  @Test
  void aDataDirectoryRefusesToOpenForAnotherNode() {
    store.close();
    assertThatThrownBy(() -> RocksStore.open(Stores.fast(dir.resolve("db"), "node-b")))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("node-a");
    store = RocksStore.open(Stores.fast(dir.resolve("db"), "node-a"));
  }

  @Test
  void theFirstRetainedSequenceFollowsTrimsAndAppliedMarksSurviveAReopen() {
    KeyRef c = KeyRef.of(Family.COUNTERS, "c");
    assertThat(store.firstRetainedSequence(store.replicaId())).isZero();
    for (int i = 0; i < 5; i++) {
      Stores.await(store.write(c, new Operation.Increment(1)));
    }
    assertThat(store.firstRetainedSequence(store.replicaId())).isEqualTo(1);
    store.trimLog(store.replicaId(), 3);
    assertThat(store.firstRetainedSequence(store.replicaId())).isEqualTo(4);
    store.trimLog(store.replicaId(), 5);
    assertThat(store.firstRetainedSequence(store.replicaId())).isZero();

    io.geodatastore.core.causal.ReplicaId other =
        io.geodatastore.core.causal.ReplicaId.of("node-b.00000001");
    assertThat(store.applied(other)).isZero();
    store.recordApplied(other, 42);
    store.close();
    store = RocksStore.open(Stores.fast(dir.resolve("db"), "node-a"));
    assertThat(store.applied(other)).isEqualTo(42);
  }

  @Test
  void recordedPeerAcknowledgementsReplaceTheOldOnesAndSurviveAReopen() {
    assertThat(store.peerAcks()).isEmpty();
    store.recordPeerAcks(java.util.Map.of("eu-west-1", 7L, "ap-southeast-1", 3L));
    store.recordPeerAcks(java.util.Map.of("eu-west-1", 9L));
    store.close();
    store = RocksStore.open(Stores.fast(dir.resolve("db"), "node-a"));
    assertThat(store.peerAcks()).containsExactly(java.util.Map.entry("eu-west-1", 9L));
  }
}

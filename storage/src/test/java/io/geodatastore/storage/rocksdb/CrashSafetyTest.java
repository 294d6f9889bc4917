package io.geodatastore.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.geodatastore.core.causal.ReplicaId;
import io.geodatastore.core.crdt.Family;
import io.geodatastore.core.crdt.PnCounter;
import io.geodatastore.storage.KeyRef;
import io.geodatastore.storage.LogEntry;
import io.geodatastore.storage.ReadResult;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real writer process at a random moment, then recovery in this process: every
 * acknowledged increment is there, nothing is half-applied (each key's state agrees with its last
 * replication-log entry), each new log entry is one distinct attempt of its round (nothing applied
 * twice), the log's sequence numbers have no gaps, the replica id survives, and the anti-entropy
 * tree (written in the same batches) is exactly the tree of the records. Repeated on the same
 * directory, so each round also recovers from the previous crashes.
 */
class CrashSafetyTest {

  private static final int KEYS = 4;
  private static final int THREADS = 6;

  @TempDir Path dir;

  @Test
  void acknowledgedWritesSurviveKill9AndStateAndLogNeverDisagree() throws Exception {
    rounds(8);
  }

  @Test
  @Tag("comprehensive")
  void acknowledgedWritesSurviveSixtyKill9Rounds() throws Exception {
    rounds(60);
  }

  /** Per key: the sum of acknowledged and of attempted amounts, over every round so far. */
  private final Map<String, long[]> sums = new HashMap<>();

  /** Per key: the amounts attempted in the current round, in the order they were printed. */
  private final Map<String, List<Long>> triedThisRound = new HashMap<>();

  /** Per key: its replica's increment count after the previous rounds (from the log). */
  private final Map<String, Long> countBefore = new HashMap<>();

  /** The replication log's length after the previous rounds. */
  private int logBefore;

  private void rounds(int n) throws Exception {
    long seed = new Random().nextLong();
    System.out.println("CrashSafetyTest: seed " + seed + ", " + n + " rounds");
    Random rnd = new Random(seed);
    Path db = dir.resolve("db");
    String replica = null;
    for (int round = 0; round < n; round++) {
      String id = crashOnce(db, rnd, round, seed);
      if (replica == null) {
        replica = id;
      }
      assertThat(id).as("seed %d round %d: replica id at start", seed, round).isEqualTo(replica);
      verify(db, ReplicaId.of(replica), seed, round);
    }
  }

  private String crashOnce(Path db, Random rnd, int round, long seed) throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            CrashWriter.class.getName(),
            db.toString(),
            Integer.toString(THREADS),
            Integer.toString(KEYS),
            Long.toString(rnd.nextLong()),
            "100000",
            "60");
    pb.redirectError(new File(dir.toFile(), "child-" + round + ".err"));
    Process child = pb.start();
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        Thread.ofPlatform()
            .start(
                () -> {
                  try (BufferedReader r =
                      new BufferedReader(
                          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                      lines.add(l);
                    }
                  } catch (java.io.IOException e) {
                    lines.add("io-error " + e);
                  }
                  lines.add("EOF");
                });
    try {
      String ready = lines.poll(60, TimeUnit.SECONDS);
      assertThat(ready).as("seed %d round %d: child start", seed, round).startsWith("ready ");
      // Kill after a random number of acknowledgements (0 to 400), at most 20 s after start.
      int killAfterAcks = rnd.nextInt(401);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      int acks = 0;
      while (acks < killAfterAcks && System.nanoTime() < deadline) {
        String l = lines.poll(100, TimeUnit.MILLISECONDS);
        if (l == null) {
          continue;
        }
        acks += record(l);
        if (l.equals("EOF")) {
          break;
        }
      }
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      reader.join(TimeUnit.SECONDS.toMillis(30));
      for (String l = lines.poll(); l != null; l = lines.poll()) {
        record(l);
      }
      return ready.substring("ready ".length());
    } finally {
      if (child.isAlive()) {
        child.destroyForcibly();
        child.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private int record(String line) {
    String[] p = line.split(" ");
    if (p[0].equals("try") || p[0].equals("ack")) {
      long amount = Long.parseLong(p[2]);
      long[] s = sums.computeIfAbsent(p[1], k -> new long[2]);
      s[p[0].equals("ack") ? 0 : 1] += amount;
      if (p[0].equals("try")) {
        triedThisRound.computeIfAbsent(p[1], k -> new ArrayList<>()).add(amount);
      }
      return p[0].equals("ack") ? 1 : 0;
    }
    return 0;
  }

  /**
   * Each of this round's log entries raised its key's count by the amount of one distinct attempt
   * of this round: nothing was applied twice, and nothing unattempted was applied. Stronger than
   * the sums, and when it fails it prints both sides.
   */
  private void explainRound(List<LogEntry> entries, ReplicaId replica, String at) {
    Map<String, List<Long>> steps = new HashMap<>();
    for (LogEntry e : entries) {
      String key = e.key().name();
      long count = ((PnCounter) e.delta()).increments().counts().get(replica);
      long before = countBefore.getOrDefault(key, 0L);
      steps.computeIfAbsent(key, k -> new ArrayList<>()).add(count - before);
      countBefore.put(key, count);
    }
    steps.forEach(
        (key, list) -> {
          List<Long> unmatched = new ArrayList<>(triedThisRound.getOrDefault(key, List.of()));
          for (Long step : list) {
            assertThat(unmatched.remove(step))
                .as(
                    "%s: %s's log steps %s are not each one attempt of %s",
                    at, key, list, triedThisRound.getOrDefault(key, List.of()))
                .isTrue();
          }
        });
    triedThisRound.clear();
  }

  private void verify(Path db, ReplicaId replica, long seed, int round) throws Exception {
    try (RocksStore store = RocksStore.open(Stores.config(db, "crash-node"))) {
      String at = "seed " + seed + " round " + round;
      assertThat(store.replicaId()).as(at).isEqualTo(replica);
      List<LogEntry> log = store.readLog(replica, 1, Integer.MAX_VALUE, Long.MAX_VALUE);
      for (int i = 0; i < log.size(); i++) {
        assertThat(log.get(i).id().counter()).as("%s: log entry %d", at, i).isEqualTo(i + 1);
      }
      assertThat(log.size()).as("%s: the log never shrinks", at).isGreaterThanOrEqualTo(logBefore);
      explainRound(log.subList(logBefore, log.size()), replica, at);
      logBefore = log.size();
      assertThat(store.lastSequence()).as(at).isEqualTo(log.size());
      Map<String, LogEntry> lastPerKey = new HashMap<>();
      for (LogEntry e : log) {
        lastPerKey.put(e.key().name(), e);
      }
      List<String> keys = new ArrayList<>(sums.keySet());
      for (String key : keys) {
        long[] s = sums.get(key);
        ReadResult r = store.read(KeyRef.of(Family.COUNTERS, key));
        long value = r instanceof ReadResult.Found f ? ((PnCounter) f.state()).value() : 0;
        assertThat(value).as("%s: %s >= acknowledged", at, key).isGreaterThanOrEqualTo(s[0]);
        assertThat(value).as("%s: %s <= attempted", at, key).isLessThanOrEqualTo(s[1]);
        if (value > 0) {
          PnCounter state = (PnCounter) ((ReadResult.Found) r).state();
          PnCounter delta = (PnCounter) lastPerKey.get(key).delta();
          assertThat(state.increments().counts().get(replica))
              .as("%s: %s state agrees with its last log entry", at, key)
              .isEqualTo(delta.increments().counts().get(replica));
        }
      }
      assertThat(store.merkleRebuilds()).as("%s: the tree needed no rebuild", at).isZero();
      List<KeyRef> universe = new ArrayList<>();
      for (int k = 0; k < KEYS; k++) {
        universe.add(KeyRef.of(Family.COUNTERS, "key-" + k));
      }
      Trees.assertExact(store, universe, at);
      assertThat(store.verifyMerkle()).as("%s: wrong leaves", at).isZero();
    }
  }
}

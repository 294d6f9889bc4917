package io.geodatastore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time from Linux's {@code /proc}: of whole processes (all their threads, those that ended
 * included) and of the machine. It lets a benchmark that shares the machine with the processes it
 * measures say how much CPU each of them spent per operation, and how busy the cores were: on this
 * machine, whether a figure was limited by the design or by the two cores everything runs on.
 *
 * <p>Times are in clock ticks of {@value #TICKS_PER_SECOND} per second: {@code USER_HZ}, which
 * Linux fixes at 100 for {@code /proc} on x86-64 and arm64 whatever the kernel's own tick rate.
 */
final class CpuTimes {

  static final int TICKS_PER_SECOND = 100;

  private CpuTimes() {}

  /**
   * The user plus system ticks of process {@code pid}, or -1 when it cannot be read (not Linux, or
   * the process is gone).
   */
  static long processTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // The command name (2nd field) is in parentheses and may hold spaces: count after it.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime: fields 14 and 15
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** This process's user plus system ticks, or -1 when they cannot be read. */
  static long selfTicks() {
    return processTicks(ProcessHandle.current().pid());
  }

  /** The machine's ticks since boot, summed over its cores: busy and all. */
  record Machine(long busy, long total) {

    /** The busy share of the cores between {@code before} and this, from 0 to 1. */
    double busyShareSince(Machine before) {
      long t = total - before.total;
      return t <= 0 ? Double.NaN : (busy - before.busy) / (double) t;
    }
  }

  /** The machine's ticks now (the first line of {@code /proc/stat}), or null when unreadable. */
  static Machine machine() {
    try {
      String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = line.trim().split("\\s+");
      long total = 0;
      // user nice system idle iowait irq softirq steal (guest time is already counted in user).
      List<Long> v = new ArrayList<>();
      for (int i = 1; i < Math.min(f.length, 9); i++) {
        v.add(Long.parseLong(f[i]));
        total += v.getLast();
      }
      long idle = v.get(3) + (v.size() > 4 ? v.get(4) : 0);
      return new Machine(total - idle, total);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Microseconds of CPU per operation for {@code ticks} spent on {@code operations}. */
  static double microsPer(long ticks, long operations) {
    return operations <= 0 || ticks < 0
        ? Double.NaN
        : ticks * (1_000_000.0 / TICKS_PER_SECOND) / operations;
  }
}

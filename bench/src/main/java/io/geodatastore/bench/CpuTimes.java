package io.geodatastore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      // user nice system idle iowait irq softirq steal (guest time is already counted in user).
      long total = 0;
      for (int i = 1; i <= 8; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new Machine(total - idle, total);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The ticks of some processes and of the machine at one moment. */
  record Sample(long[] processes, Machine machine) {

    /** The ticks of processes {@code pids} (-1 for a negative pid or an unreadable process). */
    static Sample take(long[] pids) {
      long[] ticks = new long[pids.length];
      for (int i = 0; i < pids.length; i++) {
        ticks[i] = pids[i] < 0 ? -1 : processTicks(pids[i]);
      }
      return new Sample(ticks, CpuTimes.machine());
    }

    /**
     * Microseconds of CPU each process spent per operation since {@code before}, in the order of
     * the pids; NaN where either sample could not read it.
     */
    double[] microsPerSince(Sample before, long operations) {
      double[] out = new double[processes.length];
      for (int i = 0; i < out.length; i++) {
        long a = before.processes[i];
        long b = processes[i];
        out[i] =
            a < 0 || b < 0 || operations <= 0
                ? Double.NaN
                : (b - a) * (1_000_000.0 / TICKS_PER_SECOND) / operations;
      }
      return out;
    }

    /** The busy share of the machine's cores since {@code before}, or NaN when unreadable. */
    double busyShareSince(Sample before) {
      return machine == null || before.machine == null
          ? Double.NaN
          : machine.busyShareSince(before.machine);
    }
  }
}

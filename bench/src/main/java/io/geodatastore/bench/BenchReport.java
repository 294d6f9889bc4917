package io.geodatastore.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks and writes a report: {@code report.md} (a table per benchmark class, with
 * the machine it ran on) and {@code report.svg} (one bar per benchmark and size, log scale).
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.geodatastore.bench.BenchReport OUT_DIR [REGEX]
 * [--quick]}. {@code --quick} runs one short iteration per benchmark, for smoke runs.
 */
public final class BenchReport {

  private BenchReport() {}

  /** One measured row. */
  record Row(String benchmark, String size, double score, double error, String unit) {}

  public static void main(String[] args) throws RunnerException, IOException {
    if (args.length < 1) {
      System.err.println("usage: BenchReport OUT_DIR [REGEX] [--quick]");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    String include =
        args.length > 1 && !args[1].startsWith("--") ? args[1] : "io.geodatastore.bench.*";
    boolean quick = List.of(args).contains("--quick");
    ChainedOptionsBuilder opts = new OptionsBuilder().include(include).forks(1);
    if (quick) {
      opts.warmupIterations(1).warmupTime(TimeValue.milliseconds(300));
      opts.measurementIterations(1).measurementTime(TimeValue.milliseconds(300));
    } else {
      opts.warmupIterations(3).warmupTime(TimeValue.seconds(1));
      opts.measurementIterations(5).measurementTime(TimeValue.seconds(1));
    }
    Collection<RunResult> results = new Runner(opts.build()).run();
    List<Row> rows = new ArrayList<>();
    for (RunResult r : results) {
      var primary = r.getPrimaryResult();
      String size = r.getParams().getParam("size");
      rows.add(
          new Row(
              r.getParams().getBenchmark().replace("io.geodatastore.bench.", ""),
              size == null ? "-" : size,
              primary.getScore(),
              primary.getScoreError(),
              primary.getScoreUnit()));
    }
    Files.createDirectories(out);
    String md = markdown(rows, quick);
    Files.writeString(out.resolve("report.md"), md, StandardCharsets.UTF_8);
    Files.writeString(out.resolve("report.svg"), svg(rows), StandardCharsets.UTF_8);
    System.out.println(md);
    System.out.println("wrote " + out.resolve("report.md") + " and " + out.resolve("report.svg"));
  }

  static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: the CPU model stays unknown; the rest of the line still says what ran.
    }
    return String.format(
        Locale.ROOT,
        "%s, %d cores visible, %d MiB max heap, %s %s (%s), %s %s",
        cpu,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        System.getProperty("java.vm.name"),
        System.getProperty("java.runtime.version"),
        System.getProperty("java.vendor"),
        System.getProperty("os.name"),
        System.getProperty("os.version"));
  }

  static String markdown(List<Row> rows, boolean quick) {
    StringBuilder sb = new StringBuilder("# geodatastore benchmarks\n\n");
    sb.append("- when: ").append(OffsetDateTime.now()).append('\n');
    sb.append("- machine: ").append(machine()).append('\n');
    sb.append("- mode: ")
        .append(
            quick
                ? "quick (1 short iteration: indicative only)"
                : "3 warm-up + 5 measured 1 s iterations, 1 fork")
        .append("\n\n");
    TreeMap<String, List<Row>> byClass = new TreeMap<>();
    for (Row r : rows) {
      byClass
          .computeIfAbsent(
              r.benchmark.substring(0, r.benchmark.indexOf('.')), k -> new ArrayList<>())
          .add(r);
    }
    byClass.forEach(
        (cls, list) -> {
          sb.append("## ")
              .append(cls)
              .append(
                  "\n\n| benchmark | size | score | ± error | unit |\n|---|---:|---:|---:|---|\n");
          for (Row r : list) {
            sb.append(
                String.format(
                    Locale.ROOT,
                    "| %s | %s | %.1f | %.1f | %s |%n",
                    r.benchmark.substring(r.benchmark.indexOf('.') + 1),
                    r.size,
                    r.score,
                    Double.isNaN(r.error) ? 0 : r.error,
                    r.unit));
          }
          sb.append('\n');
        });
    return sb.toString();
  }

  static String svg(List<Row> rows) {
    int barHeight = 14;
    int labelWidth = 380;
    int plotWidth = 560;
    int height = 40 + rows.size() * (barHeight + 4);
    double max = rows.stream().mapToDouble(Row::score).max().orElse(1);
    double logMax = Math.log10(Math.max(max, 10));
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"monospace\" font-size=\"11\">%n",
            labelWidth + plotWidth + 120,
            height));
    sb.append(
        "<text x=\"4\" y=\"16\">score per benchmark and size (log scale; see report.md for units)</text>\n");
    int y = 30;
    for (Row r : rows) {
      double w = r.score <= 1 ? 1 : plotWidth * Math.log10(r.score) / logMax;
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"4\" y=\"%d\">%s [%s]</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#4a7bb7\"/><text x=\"%.1f\" y=\"%d\">%.1f %s</text>%n",
              y + barHeight - 3,
              escape(r.benchmark),
              r.size,
              labelWidth,
              y,
              w,
              barHeight,
              labelWidth + w + 4,
              y + barHeight - 3,
              r.score,
              escape(r.unit)));
      y += barHeight + 4;
    }
    return sb.append("</svg>\n").toString();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}

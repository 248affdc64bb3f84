package io.vertxchat.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a server JVM's CPU time and RSS from /proc and its heap use from {@code jcmd}. */
final class ServerProbe {
  private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+(\\d+)\\s+(\\d+)");
  /** USER_HZ; 100 on every Linux this runs on. */
  private static final double TICKS_PER_SECOND = 100.0;

  private final long pid;

  ServerProbe(long pid) {
    this.pid = pid;
  }

  long pid() {
    return pid;
  }

  /** User plus system CPU seconds used so far. */
  double cpuSeconds() {
    String[] fields = stat(pid);
    return fields == null ? Double.NaN : cpuTicks(fields) / TICKS_PER_SECOND;
  }

  /**
   * CPU seconds of this process and its direct children (PostgreSQL's postmaster and its
   * backends, which live as long as the server's pool connections).
   */
  double treeCpuSeconds() {
    long ticks = 0;
    try (var dirs = Files.list(Path.of("/proc"))) {
      for (Path dir : (Iterable<Path>) dirs::iterator) {
        String name = dir.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        long other = Long.parseLong(name);
        String[] fields = stat(other);
        if (fields != null && (other == pid || Long.parseLong(fields[1]) == pid)) {
          ticks += cpuTicks(fields);
        }
      }
    } catch (IOException e) {
      return Double.NaN;
    }
    return ticks / TICKS_PER_SECOND;
  }

  /** The fields of /proc/<pid>/stat after the command: state is [0], ppid [1], utime [11], stime [12]. */
  private static String[] stat(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static long cpuTicks(String[] fields) {
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** Resident set size in KiB. */
  long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return -1;
  }

  /**
   * Live heap in KiB: {@code GC.class_histogram} runs a full GC and sums the live objects, which
   * is steadier than the regions G1 reports in use after {@code GC.run}. -1 when unavailable.
   */
  long liveHeapKb() {
    String histogram = jcmd("GC.class_histogram");
    Matcher m = HISTOGRAM_TOTAL.matcher(histogram);
    return m.find() ? Long.parseLong(m.group(2)) / 1024 : -1;
  }

  /** Starts a JFR recording (profile settings) on the server for the given seconds. */
  void startJfr(String file, int seconds) {
    jcmd("JFR.start", "name=bench", "settings=profile", "duration=" + seconds + "s", "filename=" + file);
  }

  private String jcmd(String... command) {
    try {
      java.util.List<String> line = new java.util.ArrayList<>(java.util.List.of("jcmd", String.valueOf(pid)));
      line.addAll(java.util.List.of(command));
      Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      p.waitFor(30, TimeUnit.SECONDS);
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}

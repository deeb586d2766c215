package io.pulse.persist;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * An append-only file of results (one JSON per line) waiting for a store: written when the in-memory buffer is full
 * and at shutdown, read back in order, emptied when drained. Every method blocks: call it from one ordered
 * executeBlocking queue so appends, reads and resets never overlap.
 */
final class Journal {

  record Chunk(List<Stored> results, long nextOffset) {
  }

  private final Path file;

  Journal(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  /** Lines waiting in the file (those of a previous run, at start). A torn last line is dropped. */
  long count() throws IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    long n = 0;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (isComplete(line)) {
          n++;
        }
      }
    }
    return n;
  }

  /** Appends and forces the results to disk. */
  void append(List<Stored> results) throws IOException {
    Files.createDirectories(file.getParent());
    StringBuilder text = new StringBuilder(results.size() * 256);
    results.forEach(r -> text.append(r.json()).append('\n'));
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
      StandardOpenOption.APPEND)) {
      ByteBuffer bytes = StandardCharsets.UTF_8.encode(text.toString());
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      channel.force(false);
    }
  }

  /** Up to {@code max} results from byte {@code offset} on, and the offset after them. */
  Chunk read(long offset, int max) throws IOException {
    List<Stored> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return new Chunk(out, offset);
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      raf.seek(offset);
      BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(raf.getChannel()),
        StandardCharsets.UTF_8));
      long next = offset;
      String line;
      while (out.size() < max && (line = in.readLine()) != null) {
        next += line.getBytes(StandardCharsets.UTF_8).length + 1;
        if (isComplete(line)) {
          out.add(Stored.parse(line));
        } // else a torn line, left by a process killed mid-append: skipped, as count() does

      }
      return new Chunk(out, next);
    }
  }

  /** Empties the file: everything in it is stored. */
  void reset() throws IOException {
    Files.deleteIfExists(file);
  }

  /**
   * Replaces the file with {@code head}, then what is left from {@code offset}, then {@code tail}: at shutdown, the
   * in-memory buffer (older than the journal) goes in front so the order of arrival is kept.
   */
  void rewrite(List<Stored> head, long offset, List<Stored> tail) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      for (Stored r : head) {
        out.write(r.json());
        out.write('\n');
      }
      long at = offset;
      while (true) {
        Chunk chunk = read(at, 10_000);
        if (chunk.results().isEmpty()) {
          break;
        }
        for (Stored r : chunk.results()) {
          out.write(r.json());
          out.write('\n');
        }
        at = chunk.nextOffset();
      }
      for (Stored r : tail) {
        out.write(r.json());
        out.write('\n');
      }
    }
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static boolean isComplete(String line) {
    return line.startsWith("{") && line.endsWith("}");
  }
}

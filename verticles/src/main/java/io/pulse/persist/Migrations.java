package io.pulse.persist;

import java.util.List;

/**
 * The PostgreSQL schema as numbered steps. A step once released never changes; a change is a new step.
 * {@link PgStore} applies the missing ones at start, under an advisory lock so nodes starting together agree.
 */
final class Migrations {

  record Step(int version, String description, String sql) {
  }

  private Migrations() {
  }

  static final String VERSION_TABLE = """
    CREATE TABLE IF NOT EXISTS pulse_schema_version (
      version int PRIMARY KEY,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())""";

  static final List<Step> STEPS = List.of(
    new Step(1, "window results, partitioned by resolution then by day; the known series", """
      CREATE TABLE pulse_results (
        series text NOT NULL,
        resolution_ms bigint NOT NULL,
        window_start timestamptz NOT NULL,
        count bigint NOT NULL,
        sum float8,
        min float8,
        max float8,
        first float8,
        last float8,
        volume float8,
        result jsonb NOT NULL,
        PRIMARY KEY (series, resolution_ms, window_start)
      ) PARTITION BY LIST (resolution_ms);
      CREATE TABLE pulse_series (
        series text PRIMARY KEY,
        first_seen timestamptz NOT NULL DEFAULT now())"""),
    // PostgreSQL parsed every jsonb value on insert (numbers to numeric): ~90% of an upsert's time for a column
    // that is only ever read back whole. The writer encodes valid JSON itself, so text keeps it as sent.
    new Step(2, "result kept as the JSON text written (jsonb parsing was most of the insert time)",
      "ALTER TABLE pulse_results ALTER COLUMN result TYPE text USING result::text"),
    // the series key compared byte by byte instead of through the database's collation (C.UTF-8 and the like
    // go through strcoll for every comparison in the primary key's btree): measured 35-45% less time per insert of
    // 100,000 rows. Same order for UTF-8 keys; a one-off rewrite of the table and its key.
    new Step(3, "series compared bytewise (COLLATE \"C\"): the primary key's comparisons were most of an insert",
      """
      ALTER TABLE pulse_results ALTER COLUMN series TYPE text COLLATE "C";
      ALTER TABLE pulse_series ALTER COLUMN series TYPE text COLLATE "C\""""));
}

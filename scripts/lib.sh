# Shared by the scripts: repo root, the jar, JVM flags, and building the jar when sources changed.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/pulse.jar"
# Hazelcast runs without these, but warns and loses some speed on Java 17
PULSE_JVM_OPTS="${PULSE_JVM_OPTS:---add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED}"

build_if_needed() {
  local newer=""
  if [ -f "$JAR" ]; then
    newer=$(find "$ROOT/pom.xml" "$ROOT/verticles/src/main" "$ROOT/conf" "$ROOT/cluster" "$ROOT/webroot" \
      -path "$ROOT/webroot/node_modules" -prune -o -type f -newer "$JAR" -print 2>/dev/null | head -1)
  fi
  if [ ! -f "$JAR" ] || [ -n "$newer" ]; then
    echo "building $JAR (mvn package, tests skipped)..." >&2
    (cd "$ROOT" && mvn -B -q package -DskipTests) || { echo "build failed: see the Maven output above" >&2; exit 1; }
  fi
}

# Shared by the scripts: repo root, the jar, JVM flags, and building the jar when sources changed.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/pulse.jar"
# Hazelcast runs without these, but warns and loses some speed on Java 17
PULSE_JVM_OPTS="${PULSE_JVM_OPTS:---add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED}"
# JAVA_OPTS: more JVM options on top of those (heap, log levels), e.g. JAVA_OPTS=-Xmx2g scripts/run
PULSE_JVM_OPTS="$PULSE_JVM_OPTS ${JAVA_OPTS:-}"

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

CLUSTER_DIR="$ROOT/target/cluster"

# start_node I ARGS...: starts node I in the background with the given options, records its pid and command
start_node() {
  local i="$1"; shift
  mkdir -p "$CLUSTER_DIR"
  printf '%q ' "$@" > "$CLUSTER_DIR/node-$i.args"
  # shellcheck disable=SC2086
  (cd "$ROOT" && exec nohup java $PULSE_JVM_OPTS -jar "$JAR" "$@" >> "$CLUSTER_DIR/node-$i.log" 2>&1) &
  echo $! > "$CLUSTER_DIR/node-$i.pid"
}

# stop_node I [SIGNAL]: stops node I (SIGTERM by default, then SIGKILL after 45 s) and waits for it
stop_node() {
  local i="$1" sig="${2:-TERM}" pidfile="$CLUSTER_DIR/node-$1.pid" pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$sig" "$pid"
    for _ in $(seq 1 225); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; echo "node-$i did not stop within 45 s: killed" >&2; fi
  fi
  rm -f "$pidfile"
}

# wait_ready I [BEFORE]: waits until node I's log holds more than BEFORE "ready" lines (60 s at most)
wait_ready() {
  local i="$1" log="$CLUSTER_DIR/node-$1.log" before="${2:-0}" count
  for _ in $(seq 1 300); do
    count=$(grep -c "ready with roles" "$log" 2>/dev/null || true); [ "${count:-0}" -gt "$before" ] && return 0
    grep -q "ERROR" "$log" 2>/dev/null && { tail -3 "$log" >&2; return 1; }
    sleep 0.2
  done
  echo "node-$i not ready after 60 s; see $log" >&2; return 1
}

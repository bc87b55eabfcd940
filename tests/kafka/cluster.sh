#!/usr/bin/env bash
# Real 3-node Apache Kafka (KRaft) cluster on loopback for integration tests.
# Jars come from Maven Central through ./pom.xml (cached in ~/.m2); everything
# else lives under $KAFKA_TEST_HOME (default /tmp/webstream-kafka).
# Run `cluster.sh help` for the commands; README.md beside this file has more.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KT="${KAFKA_TEST_HOME:-/tmp/webstream-kafka}"
CLUSTER="$KT/cluster"
NODES=(1 2 3)
# KAFKA_TEST_PORT_OFFSET (default 0) shifts every port, so a second cluster
# (with its own KAFKA_TEST_HOME) can run beside the default one.
PORT_OFFSET="${KAFKA_TEST_PORT_OFFSET:-0}"
[[ "$PORT_OFFSET" =~ ^[0-9]+$ ]] || { echo "cluster.sh: KAFKA_TEST_PORT_OFFSET must be a number" >&2; exit 2; }
BROKER_PORT_BASE=$((19091 + PORT_OFFSET))      # node N: broker at 127.0.0.1:BASE+N     (19092..19094)
CONTROLLER_PORT_BASE=$((19191 + PORT_OFFSET))  # node N: controller at 127.0.0.1:BASE+N (19192..19194)
SASL_PORT_BASE=$((19291 + PORT_OFFSET))        # node N: SASL_PLAINTEXT at 127.0.0.1:BASE+N (19292..19294)
TLS_PORT_BASE=$((19391 + PORT_OFFSET))         # node N: SSL at 127.0.0.1:BASE+N           (19392..19394)
SASL_TLS_PORT_BASE=$((19491 + PORT_OFFSET))    # node N: SASL_SSL at 127.0.0.1:BASE+N      (19492..19494)
MTLS_PORT_BASE=$((19591 + PORT_OFFSET))        # node N: SSL, client certificate required  (19592..19594)
REAUTH_PORT_BASE=$((19691 + PORT_OFFSET))      # node N: SASL_PLAINTEXT, short sessions    (19692..19694)
# Sessions on the REAUTH listener (OAUTHBEARER, PLAIN, SCRAM-SHA-256) last this long (KIP-368).
REAUTH_MS=2500
# Credentials the SASL listener accepts: PLAIN from its JAAS config, SCRAM-SHA-256/512
# from the metadata log (written when storage is formatted).
SASL_USER="alice"
SASL_PASSWORD="alice-secret"
# The SSL listener's certificate, signed by a test CA (PEM files, made with openssl); the
# client certificate the MTLS listener requires, from the same CA; and a client certificate
# from another CA ("rogue"), which it refuses.
TLS_DIR="$KT/tls"
BOOTSTRAP="127.0.0.1:$((BROKER_PORT_BASE + 1)),127.0.0.1:$((BROKER_PORT_BASE + 2)),127.0.0.1:$((BROKER_PORT_BASE + 3))"
DEFAULT_V4="4.3.1"   # newest 4.x whose broker + kafka-tools are both on Maven Central
DEFAULT_V3="3.9.2"   # newest 3.9.x
HEAP="${KAFKA_TEST_HEAP:-384m}"
START_TIMEOUT="${KAFKA_TEST_START_TIMEOUT:-120}"   # seconds
STOP_TIMEOUT="${KAFKA_TEST_STOP_TIMEOUT:-20}"      # seconds, graceful stop before SIGKILL
# KAFKA_TEST_TRANSACTION_VERSION (4.x only; default: Kafka's, 2) formats the storage with
# --feature transaction.version=N: 1 keeps transactions on the classic protocol, 2 turns
# transactions v2 (KIP-890 part 2) on. A running cluster can also move between them with
# `cluster.sh java org.apache.kafka.tools.FeatureCommand ... upgrade|downgrade`.
TRANSACTION_VERSION="${KAFKA_TEST_TRANSACTION_VERSION:-}"
[[ -z "$TRANSACTION_VERSION" || "$TRANSACTION_VERSION" =~ ^[0-2]$ ]] ||
  { echo "cluster.sh: KAFKA_TEST_TRANSACTION_VERSION must be 0, 1 or 2" >&2; exit 2; }
# Fixed cluster id (22 chars base64 of 16 bytes); storage is formatted once per
# version into a template and copied on every start, which saves 3 JVM launches.
CLUSTER_ID="d2Vic3RyZWFtLWthZmthLQ"

die() { echo "cluster.sh: $*" >&2; exit 1; }
log() { echo "cluster.sh: $*" >&2; }
now_ms() { date +%s%3N; }

usage() {
  cat <<EOF
usage: cluster.sh COMMAND [ARGS]     (KAFKA_TEST_HOME=$KT)

  install [VERSION]           resolve jars with Maven (~/.m2), cache classpath, compile helpers
  start [VERSION]             wipe $CLUSTER, start 3 combined broker+controller nodes, wait until ready
  ensure [VERSION]            start the cluster unless it runs; heal it (resume/restart nodes) if partly down;
                              safe from parallel test processes (lock); wipes data only when there is no
                              cluster yet or VERSION differs from the running one
  stop                        SIGKILL all nodes, delete data (logs are kept until next start)
  status                      version and per-node pid/state
  kill NODE                   kill -9 node NODE (1..3)
  restart NODE                start a killed/stopped node again on its existing data, wait until registered
  pause NODE | resume NODE    SIGSTOP / SIGCONT a node (hung broker; connections stay open)
  stop-keep-data [--kill]     stop all nodes (SIGTERM, SIGKILL after ${STOP_TIMEOUT}s; --kill: SIGKILL at once), keep data
  start-again                 resume paused nodes, start stopped ones on their existing data, wait until ready
  wait-ready [TIMEOUT_S]      wait until every running node answers on its port and is registered (unfenced)
  in-sync [TIMEOUT_S] [TOPIC...]   wait until all partitions (default: of all topics) have ISR == replicas
  create-topic NAME PARTITIONS REPLICATION [--config k=v ...] [--no-wait]
                              TopicCommand --create, then wait until every partition has a leader and full ISR
  delete-topic NAME           TopicCommand --delete
  describe TOPIC              one JSON line per partition: {"partition","leader","replicas","isr"}
  leader TOPIC PARTITION      print the leader node id (-1 if none)
  topics ARGS...              TopicCommand --bootstrap-server <all> ARGS... (e.g. topics --describe --topic t)
  produce TOPIC [ARGS...]     Kafka's ConsoleProducer reading stdin (e.g. --property parse.key=true --property key.separator=:)
  readback TOPIC [--isolation read_committed|read_uncommitted] [--timeout-ms N] [--min-offsets N]
                              ReadBack.java: all records as JSON lines on stdout
  bootstrap                   print the bootstrap servers
  java MAINCLASS ARGS...      run any class on the Kafka classpath (tools logging to stderr)
  logs NODE [LINES]           tail the node's server.log

VERSION (or env KAFKA_VERSION): 4 (default, = $DEFAULT_V4), 3.9 (= $DEFAULT_V3), or an exact x.y.z.
Other commands use the version of the running cluster.
EOF
}

# ---------------------------------------------------------------- versions

resolve_version() {
  local v="${1:-${KAFKA_VERSION:-}}"
  case "$v" in
    ""|4|4.x|latest) echo "$DEFAULT_V4" ;;
    3|3.x|3.9|3.9.x) echo "$DEFAULT_V3" ;;
    [0-9]*.[0-9]*.[0-9]*) echo "$v" ;;
    *) die "unknown Kafka version '$v' (use 4, 3.9 or x.y.z)" ;;
  esac
}

is_v3() { [[ "$1" == 3.* ]]; }

# Version of the running (or last started) cluster, else the requested one.
cluster_version() {
  if [[ -f "$CLUSTER/version" ]]; then cat "$CLUSTER/version"; else resolve_version ""; fi
}

hash_of() { cat "$@" | sha256sum | cut -c1-12; }

# Sets CACHE_DIR, CP_FILE, HELPERS_JAR, CDS_DIR, TEMPLATE_DIR for version $1.
cache_paths() {
  local v="$1" java_bin
  java_bin="$(readlink -f "$(command -v java)" 2>/dev/null || echo java)"
  CACHE_DIR="$KT/cache/$v"
  CP_FILE="$CACHE_DIR/classpath-$(hash_of "$SCRIPT_DIR/pom.xml").txt"
  local h; h="$(hash_of "$SCRIPT_DIR/ReadBack.java" "$SCRIPT_DIR/ClusterCheck.java")"
  HELPERS_JAR="$CACHE_DIR/helpers-$h.jar"
  # AppCDS archives of the short-lived tool JVMs; valid for one JDK + classpath.
  CDS_DIR="$CACHE_DIR/cds-$(echo "$java_bin $(stat -c %Y "$java_bin" 2>/dev/null) $CP_FILE $h" | sha256sum | cut -c1-12)"
  TEMPLATE_DIR="$CACHE_DIR/storage-$( { echo "$CLUSTER_ID $TRANSACTION_VERSION"; write_server_properties 1 /dev/stdout /data; } | sha256sum | cut -c1-12)"
}

classpath_ok() {
  [[ -s "$CP_FILE" ]] || return 1
  local IFS=: j
  for j in $(cat "$CP_FILE"); do [[ -f "$j" ]] || return 1; done
}

# install VERSION: idempotent; a no-op (a few ms) when everything is cached.
do_install() {
  local v; v="$(resolve_version "${1:-}")"
  cache_paths "$v"
  mkdir -p "$CACHE_DIR"
  command -v java >/dev/null || die "java not found on PATH"
  if ! classpath_ok; then
    command -v mvn >/dev/null || die "mvn not found on PATH"
    local t0; t0=$(now_ms)
    log "resolving Kafka $v with Maven (first time only) ..."
    local profile=() tmp="$CP_FILE.tmp.$$"
    if is_v3 "$v"; then profile=(-Pkafka39); fi
    # shellcheck disable=SC2086
    if ! mvn -B -Dstyle.color=never -f "$SCRIPT_DIR/pom.xml" "${profile[@]}" -Dkafka.version="$v" \
        dependency:build-classpath -Dmdep.outputFile="$tmp" ${KAFKA_TEST_MVN_ARGS:-} >"$CACHE_DIR/mvn.log" 2>&1; then
      grep -E 'ERROR|FAIL' "$CACHE_DIR/mvn.log" | head -n 20 >&2 || true
      rm -f "$tmp"; die "Maven could not resolve Kafka $v (full output: $CACHE_DIR/mvn.log)"
    fi
    local f; for f in "$CACHE_DIR"/classpath-*.txt; do [[ "$f" == "$CP_FILE" ]] || rm -f "$f"; done
    mv -f "$tmp" "$CP_FILE"
    classpath_ok || die "classpath for $v lists missing jars"
    log "Kafka $v resolved in $(( $(now_ms) - t0 )) ms"
  fi
  if [[ ! -s "$HELPERS_JAR" ]]; then
    command -v javac >/dev/null || die "javac not found on PATH"
    command -v jar >/dev/null || die "jar not found on PATH"
    local tmpc="$CACHE_DIR/.helpers.tmp.$$"
    rm -rf "$tmpc"; mkdir -p "$tmpc"
    javac -nowarn -encoding UTF-8 -d "$tmpc" -cp "$(cat "$CP_FILE")" \
      "$SCRIPT_DIR/ReadBack.java" "$SCRIPT_DIR/ClusterCheck.java" >&2 || { rm -rf "$tmpc"; die "javac failed"; }
    # A jar, not a directory: AppCDS refuses directories on the classpath.
    jar cf "$tmpc.jar" -C "$tmpc" . || { rm -rf "$tmpc" "$tmpc.jar"; die "jar failed"; }
    rm -rf "$tmpc" "$CACHE_DIR"/helpers-*.jar "$CACHE_DIR"/cds-*
    mv -f "$tmpc.jar" "$HELPERS_JAR"
  fi
  write_log_configs "$v"
}

ensure_installed() { do_install "$1" >/dev/null; }

# ---------------------------------------------------------------- logging

write_log_configs() {
  local v="$1"
  if is_v3 "$v"; then
    cat >"$CACHE_DIR/broker-log4j.properties" <<'EOF'
log4j.rootLogger=INFO, server
log4j.appender.server=org.apache.log4j.FileAppender
log4j.appender.server.File=${kafka.logs.dir}/server.log
log4j.appender.server.layout=org.apache.log4j.PatternLayout
log4j.appender.server.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.state=org.apache.log4j.FileAppender
log4j.appender.state.File=${kafka.logs.dir}/state-change.log
log4j.appender.state.layout=org.apache.log4j.PatternLayout
log4j.appender.state.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=INFO, state
log4j.additivity.state.change.logger=false
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.zookeeper=WARN
EOF
    cat >"$CACHE_DIR/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka.clients.NetworkClient=ERROR
EOF
  else
    cat >"$CACHE_DIR/broker-log4j2.properties" <<'EOF'
status = warn
dest = err
appender.server.type = File
appender.server.name = SERVER
appender.server.fileName = ${sys:kafka.logs.dir}/server.log
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
appender.state.type = File
appender.state.name = STATE
appender.state.fileName = ${sys:kafka.logs.dir}/state-change.log
appender.state.layout.type = PatternLayout
appender.state.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.server.ref = SERVER
logger.state.name = state.change.logger
logger.state.level = INFO
logger.state.additivity = false
logger.state.appenderRef.state.ref = STATE
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
    cat >"$CACHE_DIR/tools-log4j2.properties" <<'EOF'
status = warn
dest = err
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
logger.nc.name = org.apache.kafka.clients.NetworkClient
logger.nc.level = ERROR
EOF
  fi
}

log_opts() { # $1 version, $2 broker|tools
  if is_v3 "$1"; then
    echo "-Dlog4j.configuration=file:$CACHE_DIR/$2-log4j.properties"
  else
    echo "-Dlog4j2.configurationFile=$CACHE_DIR/$2-log4j2.properties"
  fi
}

# ---------------------------------------------------------------- java tools

# run_tool MAINCLASS ARGS... : short-lived JVM on the Kafka classpath + helper classes.
# The first run of each main class records an AppCDS archive (JDK 13+ dynamic
# archive); later runs start about twice as fast with it (~0.4 s instead of ~0.8 s).
run_tool() {
  local main="$1"; shift
  local v; v="$(cluster_version)"
  ensure_installed "$v"
  local heap="-Xmx256m" jit="-XX:TieredStopAtLevel=1"
  if [[ "$main" == ReadBack ]]; then heap="-Xmx1g"; jit=""; fi
  local cds=() jsa="$CDS_DIR/$main.jsa" tmp=""
  if [[ "${KAFKA_TEST_CDS:-1}" != 0 ]]; then
    if [[ -s "$jsa" ]]; then
      cds=(-XX:SharedArchiveFile="$jsa")
    else
      mkdir -p "$CDS_DIR"; tmp="$jsa.tmp.$$"; cds=(-XX:ArchiveClassesAtExit="$tmp")
    fi
  fi
  local rc=0
  # JVM warnings go to stderr: stdout carries data (ReadBack, describe).
  # shellcheck disable=SC2086
  java $heap $jit -XX:+UseSerialGC -Xshare:auto -Xlog:disable -Xlog:all=error:stderr \
    "${cds[@]+"${cds[@]}"}" -Djava.awt.headless=true \
    "$(log_opts "$v" tools)" ${KAFKA_TEST_TOOL_OPTS:-} \
    -cp "$(cat "$CP_FILE"):$HELPERS_JAR" "$main" "$@" 9>&- || rc=$?
  if [[ -n "$tmp" ]]; then
    if [[ -s "$tmp" ]]; then mv -f "$tmp" "$jsa"; else rm -f "$tmp"; fi
  fi
  return "$rc"
}

topic_command() { run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" "$@"; }

console_producer_class() {
  if is_v3 "$(cluster_version)"; then echo kafka.tools.ConsoleProducer; else echo org.apache.kafka.tools.ConsoleProducer; fi
}

# ---------------------------------------------------------------- nodes

node_dir() { echo "$CLUSTER/node$1"; }
broker_port() { echo $((BROKER_PORT_BASE + $1)); }
sasl_port() { echo $((SASL_PORT_BASE + $1)); }
tls_port() { echo $((TLS_PORT_BASE + $1)); }
sasl_tls_port() { echo $((SASL_TLS_PORT_BASE + $1)); }
mtls_port() { echo $((MTLS_PORT_BASE + $1)); }
reauth_port() { echo $((REAUTH_PORT_BASE + $1)); }
controller_port() { echo $((CONTROLLER_PORT_BASE + $1)); }
check_node() { [[ "${1:-}" =~ ^[123]$ ]] || die "NODE must be 1, 2 or 3 (got '${1:-}')"; }

voters() {
  local n out=""
  for n in "${NODES[@]}"; do out+="${out:+,}$n@127.0.0.1:$(controller_port "$n")"; done
  echo "$out"
}

write_server_properties() { # NODE FILE DATA_DIR
  local n="$1" file="$2" data="$3"
  cat >"$file" <<EOF
# generated by cluster.sh
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$(voters)
listeners=PLAINTEXT://127.0.0.1:$(broker_port "$n"),CONTROLLER://127.0.0.1:$(controller_port "$n"),SASL_PLAINTEXT://127.0.0.1:$(sasl_port "$n"),SSL://127.0.0.1:$(tls_port "$n"),SASL_SSL://127.0.0.1:$(sasl_tls_port "$n"),MTLS://127.0.0.1:$(mtls_port "$n"),REAUTH://127.0.0.1:$(reauth_port "$n")
advertised.listeners=PLAINTEXT://127.0.0.1:$(broker_port "$n"),SASL_PLAINTEXT://127.0.0.1:$(sasl_port "$n"),SSL://127.0.0.1:$(tls_port "$n"),SASL_SSL://127.0.0.1:$(sasl_tls_port "$n"),MTLS://127.0.0.1:$(mtls_port "$n"),REAUTH://127.0.0.1:$(reauth_port "$n")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,MTLS:SSL,REAUTH:SASL_PLAINTEXT

# clients' security tests: SASL (PLAIN, SCRAM-SHA-256/512) and TLS listeners
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$SASL_PASSWORD";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
# sessions on SASL_SSL last 4 s (KIP-368), so a test sees one expire
listener.name.sasl_ssl.connections.max.reauth.ms=4000
# MTLS: TLS that requires a client certificate signed by the test CA (Java's ssl.client.auth)
listener.name.mtls.ssl.client.auth=required
listener.name.mtls.ssl.truststore.type=PEM
listener.name.mtls.ssl.truststore.location=$TLS_DIR/ca.pem
# REAUTH: OAUTHBEARER with the broker's built-in unsecured validator (unsigned JWTs, "sub"
# names the principal), PLAIN and SCRAM-SHA-256, sessions of ${REAUTH_MS} ms to see KIP-368 at work
listener.name.reauth.sasl.enabled.mechanisms=OAUTHBEARER,PLAIN,SCRAM-SHA-256
listener.name.reauth.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";
listener.name.reauth.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$SASL_PASSWORD";
listener.name.reauth.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.reauth.connections.max.reauth.ms=$REAUTH_MS
ssl.keystore.type=PEM
ssl.keystore.location=$TLS_DIR/broker.pem
log.dirs=$data

# small footprint (3 JVMs on 2 cores)
num.network.threads=2
num.io.threads=4
background.threads=4
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216

# test-friendly defaults
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=3
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
log.retention.ms=-1
# faster failure detection for fault tests (defaults 2000 / 9000 / 30000)
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=6000
replica.lag.time.max.ms=10000
EOF
}

pid_of() { # NODE -> pid of a live node process, or nothing
  local f; f="$(node_dir "$1")/pid"
  [[ -s "$f" ]] || return 0
  local pid; pid="$(cat "$f")"
  if is_alive "$pid" && grep -qF "$(node_dir "$1")/server.properties" "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
  fi
}

is_alive() { # PID (a zombie counts as dead)
  [[ -n "${1:-}" && -e "/proc/$1" ]] || return 1
  local state; state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

running_nodes() { local n; for n in "${NODES[@]}"; do [[ -n "$(pid_of "$n")" ]] && echo "$n"; done; return 0; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

launch_node() { # NODE (data dir must exist)
  local n="$1" v; v="$(cluster_version)"
  ensure_installed "$v"
  local d; d="$(node_dir "$n")"
  [[ -z "$(pid_of "$n")" ]] || die "node $n is already running (pid $(pid_of "$n"))"
  for p in "$(broker_port "$n")" "$(controller_port "$n")"; do
    port_open "$p" && die "port 127.0.0.1:$p is already in use by another process"
  done
  mkdir -p "$d/logs"
  rm -f "$d/pid"
  local cp; cp="$(cat "$CP_FILE")"
  # setsid: own session, so Ctrl-C / test-runner process groups don't reach it;
  # the inner shell records its pid, then execs java (same pid). Fd 9 (our lock)
  # and stdio are not inherited by the long-lived JVM.
  # shellcheck disable=SC2086,SC2016
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$d/pid" \
    java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dkafka.logs.dir="$d/logs" "$(log_opts "$v" broker)" ${KAFKA_TEST_BROKER_OPTS:-} \
      -cp "$cp" kafka.Kafka "$d/server.properties" \
    </dev/null >>"$d/logs/stdout.log" 2>&1 9>&- &

  local _; for _ in $(seq 1 100); do [[ -s "$d/pid" ]] && return 0; sleep 0.02; done
  die "node $n did not start (no pid file)"
}

node_failure() { # NODE REASON
  local n="$1" d; d="$(node_dir "$1")"
  {
    echo "cluster.sh: node $n: $2"
    echo "---- tail of $d/logs/stdout.log"; tail -n 20 "$d/logs/stdout.log" 2>/dev/null || true
    echo "---- tail of $d/logs/server.log"; tail -n 40 "$d/logs/server.log" 2>/dev/null || true
  } >&2
}

# wait_ready TIMEOUT_S NODE... : each broker NODE answers on its own port and is
# registered + unfenced in the cluster metadata. The Admin-client check runs while the JVMs start;
# a node process that dies meanwhile fails fast with its log tail.
wait_ready() {
  local timeout="$1"; shift
  local deadline=$(( $(date +%s) + timeout )) n
  local out; out="$(mktemp "${TMPDIR:-/tmp}/kafka-ready.XXXXXX")"
  local targets=()
  for n in "$@"; do targets+=("$n=127.0.0.1:$(broker_port "$n")"); done
  run_tool ClusterCheck ready $(( timeout * 1000 )) "${targets[@]}" >"$out" 2>&1 &
  local checker=$!
  while is_alive "$checker"; do
    for n in "$@"; do
      if [[ -z "$(pid_of "$n")" ]]; then
        kill "$checker" 2>/dev/null || true; wait "$checker" 2>/dev/null || true
        node_failure "$n" "process died during startup"; rm -f "$out"; exit 1
      fi
    done
    if (( $(date +%s) > deadline + 10 )); then kill "$checker" 2>/dev/null || true; break; fi
    sleep 0.1
  done
  local rc=0; wait "$checker" || rc=$?
  if (( rc != 0 )); then
    cat "$out" >&2
    for n in "$@"; do node_failure "$n" "not registered in the cluster within ${timeout}s"; done
    rm -f "$out"; exit 1
  fi
  rm -f "$out"
}

# signal_and_wait SIGNAL TIMEOUT_S NODE... ; returns 1 if some are still alive.
signal_and_wait() {
  local sig="$1" timeout="$2"; shift 2
  local n pid pids=()
  for n in "$@"; do
    pid="$(pid_of "$n")"
    [[ -n "$pid" ]] || continue
    kill "-$sig" "$pid" 2>/dev/null || true
    pids+=("$pid")
  done
  local deadline=$(( $(now_ms) + timeout * 1000 )) alive
  while :; do
    alive=0
    for pid in "${pids[@]+"${pids[@]}"}"; do is_alive "$pid" && alive=1; done
    (( alive == 0 )) && break
    (( $(now_ms) >= deadline )) && return 1
    sleep 0.05
  done
  # A dead thread-group leader can be reported before the exiting JVM has
  # closed its sockets: also wait (bounded) for the node's ports to close.
  local p
  for n in "$@"; do
    [[ -n "$(pid_of "$n")" ]] && continue
    rm -f "$(node_dir "$n")/pid"
    for p in "$(broker_port "$n")" "$(controller_port "$n")"; do
      while port_open "$p" && (( $(now_ms) < deadline + 5000 )); do sleep 0.02; done
    done
  done
  return 0
}

# ---------------------------------------------------------------- storage

# A test CA and the brokers' certificate (127.0.0.1 and localhost), made once.
ensure_tls() {
  [[ -s "$TLS_DIR/broker.pem" && -s "$TLS_DIR/ca.pem" ]] && { ensure_client_tls; return 0; }
  if ! command -v openssl >/dev/null; then
    local sudo=(); [[ $(id -u) == 0 ]] || sudo=(sudo -n)
    log "installing openssl with apt-get (for the SSL listener's certificate)"
    { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends openssl; } >&2 ||
      die "openssl is needed for the SSL listener's certificate"
  fi
  local tmp="$TLS_DIR.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  (
    cd "$tmp"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
      -subj "/CN=webstream-kafka test CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=localhost"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >ext.cnf
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out broker.crt \
      -days 3650 -extfile ext.cnf
    # Kafka's PEM keystore: an unencrypted PKCS#8 key, then the certificate chain.
    openssl pkcs8 -topk8 -nocrypt -in broker.key -out broker.p8
    cat broker.p8 broker.crt ca.pem >broker.pem
  ) >"$tmp/openssl.log" 2>&1 || { cat "$tmp/openssl.log" >&2; rm -rf "$tmp"; die "openssl failed"; }
  rm -rf "$TLS_DIR"; mv "$tmp" "$TLS_DIR"
  ensure_client_tls
}

# Client certificates for the MTLS listener, made once from the existing test CA (so a
# running cluster's broker certificate stays valid): client.{crt,key} from the test CA,
# rogue-client.{crt,key} from a CA the brokers do not trust.
ensure_client_tls() {
  [[ -s "$TLS_DIR/client.crt" && -s "$TLS_DIR/rogue-client.crt" ]] && return 0
  local tmp="$TLS_DIR/client.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  (
    cd "$tmp"
    printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' >client.cnf
    openssl req -newkey rsa:2048 -nodes -keyout client.rsa -out client.csr -subj "/CN=webstream-client"
    openssl x509 -req -in client.csr -CA ../ca.pem -CAkey ../ca.key -CAcreateserial -out client.crt \
      -days 3650 -extfile client.cnf
    openssl pkcs8 -topk8 -nocrypt -in client.rsa -out client.key
    openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue-ca.key -out rogue-ca.pem -days 3650 \
      -subj "/CN=rogue test CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey rsa:2048 -nodes -keyout rogue-client.rsa -out rogue-client.csr -subj "/CN=webstream-client"
    openssl x509 -req -in rogue-client.csr -CA rogue-ca.pem -CAkey rogue-ca.key -CAcreateserial \
      -out rogue-client.crt -days 3650 -extfile client.cnf
    openssl pkcs8 -topk8 -nocrypt -in rogue-client.rsa -out rogue-client.key
  ) >"$tmp/openssl.log" 2>&1 || { cat "$tmp/openssl.log" >&2; rm -rf "$tmp"; die "openssl failed (client certificates)"; }
  mv -f "$tmp/client.key" "$tmp/rogue-client.key" "$tmp/rogue-client.crt" "$TLS_DIR/"
  mv -f "$tmp/client.crt" "$TLS_DIR/client.crt"
  rm -rf "$tmp"
}

ensure_storage_template() { # VERSION
  local v="$1"
  ensure_tls
  cache_paths "$v"
  [[ -f "$TEMPLATE_DIR/done" ]] && return 0
  local tmp="$TEMPLATE_DIR.tmp.$$" n pids=() features=()
  if [[ -n "$TRANSACTION_VERSION" ]]; then
    is_v3 "$v" && die "KAFKA_TEST_TRANSACTION_VERSION needs Kafka 4.x (3.9 has no transactions v2)"
    features=(--feature "transaction.version=$TRANSACTION_VERSION")
  fi
  rm -rf "$tmp"; mkdir -p "$tmp"
  for n in "${NODES[@]}"; do
    mkdir -p "$tmp/node$n"
    write_server_properties "$n" "$tmp/node$n.properties" "$tmp/node$n"
    java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "$(log_opts "$v" tools)" -cp "$(cat "$CP_FILE")" \
      kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$tmp/node$n.properties" \
      --add-scram "SCRAM-SHA-256=[name=$SASL_USER,password=$SASL_PASSWORD]" \
      --add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$SASL_PASSWORD]" \
      "${features[@]}" \
      >"$tmp/format$n.log" 2>&1 9>&- &
    pids+=($!)
  done
  local fail=0
  for n in "${NODES[@]}"; do wait "${pids[$((n-1))]}" || { fail=1; cat "$tmp/format$n.log" >&2; }; done
  (( fail == 0 )) || { rm -rf "$tmp"; die "kafka.tools.StorageTool format failed"; }
  touch "$tmp/done"
  local old; for old in "$CACHE_DIR"/storage-*; do [[ "$old" == "$tmp" ]] || rm -rf "$old"; done
  mv "$tmp" "$TEMPLATE_DIR"
}

# ---------------------------------------------------------------- lock

LOCKED=0
take_lock() {  # held until this script exits; fd 9 is not passed to the JVMs
  (( LOCKED == 0 )) || return 0
  LOCKED=1
  mkdir -p "$KT"
  if command -v flock >/dev/null; then
    exec 9>"$KT/lock"
    flock -w 300 9 || die "could not get $KT/lock"
  fi
}

# ---------------------------------------------------------------- commands

cmd_start() {
  local v; v="$(resolve_version "${1:-}")"
  local t0; t0=$(now_ms)
  do_install "$v"
  take_lock
  fresh_start "$v"
  log "Kafka $v cluster up in $(( $(now_ms) - t0 )) ms: $BOOTSTRAP (data+logs in $CLUSTER)"
}

fresh_start() { # VERSION; lock held
  local v="$1"
  # Whatever ran before goes away, including nodes of another version.
  if [[ -d "$CLUSTER" ]]; then signal_and_wait KILL 10 "${NODES[@]}" || die "could not kill old nodes"; fi
  local n p
  for n in "${NODES[@]}"; do
    for p in "$(broker_port "$n")" "$(controller_port "$n")"; do
      port_open "$p" && die "port 127.0.0.1:$p is in use by a process not started from $CLUSTER"
    done
  done
  rm -rf "$CLUSTER"; mkdir -p "$CLUSTER"
  echo "$v" >"$CLUSTER/version"
  ensure_storage_template "$v"
  for n in "${NODES[@]}"; do
    local d; d="$(node_dir "$n")"
    mkdir -p "$d/logs"
    cp -a "$TEMPLATE_DIR/node$n" "$d/data"
    write_server_properties "$n" "$d/server.properties" "$d/data"
  done
  for n in "${NODES[@]}"; do launch_node "$n"; done
  wait_ready "$START_TIMEOUT" "${NODES[@]}"
}

# ensure [VERSION]: safe to call from many test processes at once. Under the
# lock: nothing to do if all 3 nodes run (of VERSION, when given); resumes
# paused and restarts stopped nodes of an existing cluster on their data;
# starts a fresh cluster only when there is none (or of another version).
cmd_ensure() {
  local want=""
  if [[ -n "${1:-}${KAFKA_VERSION:-}" ]]; then want="$(resolve_version "${1:-}")"; fi
  local t0; t0=$(now_ms)
  take_lock
  local have=""; [[ -f "$CLUSTER/version" ]] && have="$(cat "$CLUSTER/version")"
  local n
  if [[ -n "$have" && ( -z "$want" || "$want" == "$have" ) && -d "$(node_dir 1)/data" ]]; then
    local pid
    for n in "${NODES[@]}"; do
      pid="$(pid_of "$n")"
      if [[ -n "$pid" ]]; then kill -CONT "$pid" 2>/dev/null || true; else launch_node "$n"; fi
    done
    wait_ready "$START_TIMEOUT" "${NODES[@]}"
    log "Kafka $have cluster up ($(( $(now_ms) - t0 )) ms)"
    return 0
  fi
  [[ -n "$want" ]] || want="$(resolve_version "")"
  do_install "$want"
  fresh_start "$want"
  log "Kafka $want cluster up in $(( $(now_ms) - t0 )) ms: $BOOTSTRAP (data+logs in $CLUSTER)"
}

cmd_stop() {
  [[ -d "$CLUSTER" ]] || { log "no cluster"; return 0; }
  take_lock
  signal_and_wait KILL 10 "${NODES[@]}" || die "could not kill nodes"
  local n
  for n in "${NODES[@]}"; do rm -rf "$(node_dir "$n")/data" "$(node_dir "$n")/pid"; done
  log "stopped (logs kept in $CLUSTER/node*/logs)"
}

cmd_kill() {
  check_node "${1:-}"; take_lock
  local pid; pid="$(pid_of "$1")"
  [[ -n "$pid" ]] || die "node $1 is not running"
  signal_and_wait KILL 10 "$1" || die "node $1 (pid $pid) survived SIGKILL"
  log "node $1 (pid $pid) killed"
}

cmd_restart() {
  check_node "${1:-}"; take_lock
  [[ -d "$(node_dir "$1")/data" ]] || die "node $1 has no data; use start"
  launch_node "$1"
  wait_ready "$START_TIMEOUT" "$1"
  log "node $1 restarted (pid $(pid_of "$1"))"
}

cmd_signal() { # SIG NODE
  check_node "${2:-}"
  local pid; pid="$(pid_of "$2")"
  [[ -n "$pid" ]] || die "node $2 is not running"
  kill "-$1" "$pid"
}

cmd_stop_keep_data() {
  [[ -d "$CLUSTER" ]] || die "no cluster"
  take_lock
  local t0; t0=$(now_ms)
  if [[ "${1:-}" == --kill ]]; then
    signal_and_wait KILL 10 "${NODES[@]}" || die "nodes survived SIGKILL"
  else
    local n pid
    for n in "${NODES[@]}"; do  # a paused node would never stop
      pid="$(pid_of "$n")"; [[ -z "$pid" ]] || kill -CONT "$pid" 2>/dev/null || true
    done
    if ! signal_and_wait TERM "$STOP_TIMEOUT" "${NODES[@]}"; then
      log "graceful stop took over ${STOP_TIMEOUT}s; sending SIGKILL"
      signal_and_wait KILL 10 "${NODES[@]}" || die "nodes survived SIGKILL"
    fi
  fi
  log "all nodes stopped in $(( $(now_ms) - t0 )) ms; data kept"
}

cmd_start_again() {
  [[ -d "$CLUSTER" ]] || die "no cluster; use start"
  take_lock
  local t0 n; t0=$(now_ms)
  local pid
  for n in "${NODES[@]}"; do
    pid="$(pid_of "$n")"
    if [[ -n "$pid" ]]; then kill -CONT "$pid" 2>/dev/null || true; else launch_node "$n"; fi
  done
  wait_ready "$START_TIMEOUT" "${NODES[@]}"
  log "cluster up again in $(( $(now_ms) - t0 )) ms"
}

cmd_status() {
  if [[ ! -d "$CLUSTER" ]]; then echo "no cluster"; return 0; fi
  echo "version $(cluster_version)"
  local n pid
  for n in "${NODES[@]}"; do
    pid="$(pid_of "$n")"
    if [[ -n "$pid" ]]; then
      local st; st="$(awk '{print $3}' "/proc/$pid/stat")"
      local rss; rss="$(awk '/VmRSS/ {print $2, $3}' "/proc/$pid/status")"
      echo "node $n 127.0.0.1:$(broker_port "$n") pid $pid $([[ $st == T ]] && echo paused || echo running) rss $rss"
    else
      echo "node $n 127.0.0.1:$(broker_port "$n") down"
    fi
  done
}

cmd_create_topic() {
  [[ $# -ge 3 ]] || die "usage: create-topic NAME PARTITIONS REPLICATION [--config k=v ...] [--no-wait]"
  local name="$1" parts="$2" rf="$3" wait=1; shift 3
  local extra=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --config) [[ $# -ge 2 ]] || die "--config needs k=v"; extra+=(--config "$2"); shift 2 ;;
      --config=*) extra+=(--config "${1#--config=}"); shift ;;
      --no-wait) wait=0; shift ;;
      *) die "create-topic: unknown argument $1" ;;
    esac
  done
  topic_command --create --topic "$name" --partitions "$parts" --replication-factor "$rf" \
    "${extra[@]+"${extra[@]}"}" >/dev/null
  if (( wait )); then run_tool ClusterCheck in-sync "$BOOTSTRAP" 30000 "$name"; fi
}

cmd_leader() {
  [[ $# -eq 2 ]] || die "usage: leader TOPIC PARTITION"
  local out; out="$(run_tool ClusterCheck describe "$BOOTSTRAP" "$1")"
  local l; l="$(sed -n "s/^{\"partition\":$2,\"leader\":\(-\{0,1\}[0-9]*\),.*/\1/p" <<<"$out")"
  [[ -n "$l" ]] || die "topic $1 has no partition $2"
  echo "$l"
}

main() {
  local cmd="${1:-help}"; [[ $# -gt 0 ]] && shift
  case "$cmd" in
    install) do_install "${1:-}"; log "Kafka $(resolve_version "${1:-}") ready: $CP_FILE" ;;
    start) cmd_start "${1:-}" ;;
    ensure) cmd_ensure "${1:-}" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    kill) cmd_kill "${1:-}" ;;
    restart) cmd_restart "${1:-}" ;;
    pause) cmd_signal STOP "${1:-}" ;;
    resume) cmd_signal CONT "${1:-}" ;;
    stop-keep-data) cmd_stop_keep_data "${1:-}" ;;
    start-again) cmd_start_again ;;
    wait-ready)
      local ns; mapfile -t ns < <(running_nodes); [[ ${#ns[@]} -gt 0 ]] || die "no node is running"
      wait_ready "${1:-$START_TIMEOUT}" "${ns[@]}" ;;
    in-sync)
      local t=60; if [[ "${1:-}" =~ ^[0-9]+$ ]]; then t="$1"; shift; fi
      run_tool ClusterCheck in-sync "$BOOTSTRAP" $(( t * 1000 )) "$@" ;;
    create-topic) cmd_create_topic "$@" ;;
    delete-topic) [[ $# -eq 1 ]] || die "usage: delete-topic NAME"; topic_command --delete --topic "$1" ;;
    describe) [[ $# -eq 1 ]] || die "usage: describe TOPIC"; run_tool ClusterCheck describe "$BOOTSTRAP" "$1" ;;
    leader) cmd_leader "$@" ;;
    topics) topic_command "$@" ;;
    produce)
      [[ $# -ge 1 ]] || die "usage: produce TOPIC [ConsoleProducer args]"
      local topic="$1"; shift
      run_tool "$(console_producer_class)" --bootstrap-server "$BOOTSTRAP" --topic "$topic" "$@" ;;
    readback)
      [[ $# -ge 1 ]] || die "usage: readback TOPIC [--isolation read_committed|read_uncommitted] [--timeout-ms N] [--min-offsets N]"
      local topic="$1"; shift
      run_tool ReadBack "$BOOTSTRAP" "$topic" "$@" ;;
    bootstrap) echo "$BOOTSTRAP" ;;
    java) [[ $# -ge 1 ]] || die "usage: java MAINCLASS ARGS..."; run_tool "$@" ;;
    logs) check_node "${1:-}"; tail -n "${2:-50}" "$(node_dir "$1")/logs/server.log" ;;
    help|-h|--help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"

/*
 * The librdkafka baseline of bench/peers.ts: produces the same records as
 * bench/peers/workload.ts (same keys, same value bytes) through the system
 * librdkafka, the way a C program would: rd_kafka_producev() with copied
 * key and value, rd_kafka_poll() for delivery reports, rd_kafka_flush() at the end.
 *
 *   rdkafka_producer --bootstrap H:P,... --topic T --records N --acks 1|all
 *       [--idempotent 0|1] [--batch-bytes B] [--linger-ms L] [--keys padded|plain]
 *       [--values bytes|string|json|text1k] [--compression none|gzip|...]
 *       [--mode throughput|latency] [--warmup W]
 *
 * Prints one JSON line on stdout. In latency mode it sends --records single
 * records one after the other, each waited for by its delivery report, after W
 * (default 20) that are not timed.
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static long long delivered = 0, failed = 0;
static char first_error[256] = "";

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    if (failed++ == 0) snprintf(first_error, sizeof first_error, "%s", rd_kafka_err2str(m->err));
  } else {
    delivered++;
  }
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static const char *arg(int argc, char **argv, const char *name, const char *fallback) {
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], name) == 0) return argv[i + 1];
  return fallback;
}

static void set(rd_kafka_conf_t *conf, const char *k, const char *v) {
  char err[512];
  if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "rdkafka_producer: %s=%s: %s\n", k, v, err);
    exit(2);
  }
}

/* The text corpus of the gzip workload: words picked by xorshift32, as workload.ts does. */
static const char *WORDS[] = {"kafka", "stream", "record", "batch", "partition", "broker",
                              "offset", "leader", "replica", "topic", "producer", "consumer",
                              "the", "of", "and", "to", "in", "is", "for", "on", "with", "as",
                              "value", "key", "header", "timestamp", "commit", "fetch",
                              "metadata", "request", "response", "error"};
#define CORPUS_BYTES 65536
#define TEXT_BYTES 1024
static char corpus[CORPUS_BYTES + TEXT_BYTES];

static void make_corpus(void) {
  uint32_t x = 2463534242u;
  size_t n = 0;
  while (n < sizeof corpus) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    const char *w = WORDS[x % 32];
    for (size_t j = 0; w[j] != 0 && n < sizeof corpus; j++) corpus[n++] = w[j];
    if (n < sizeof corpus) corpus[n++] = (x >> 8) % 7 == 0 ? '\n' : ' ';
  }
}

int main(int argc, char **argv) {
  const char *bootstrap = arg(argc, argv, "--bootstrap", NULL);
  const char *topic = arg(argc, argv, "--topic", NULL);
  if (bootstrap == NULL || topic == NULL) {
    fprintf(stderr, "rdkafka_producer: --bootstrap and --topic are required\n");
    return 2;
  }
  long long records = atoll(arg(argc, argv, "--records", "1000000"));
  const char *acks = arg(argc, argv, "--acks", "1");
  const char *idempotent = arg(argc, argv, "--idempotent", "0");
  const char *batch_bytes = arg(argc, argv, "--batch-bytes", "1048576");
  const char *linger = arg(argc, argv, "--linger-ms", "5");
  const char *keys = arg(argc, argv, "--keys", "padded");
  const char *values = arg(argc, argv, "--values", "bytes");
  const char *compression = arg(argc, argv, "--compression", "none");
  const char *mode = arg(argc, argv, "--mode", "throughput");
  /* Latency mode: sends not timed first (connections, metadata, producer id). */
  long long warmup = strcmp(mode, "latency") == 0 ? atoll(arg(argc, argv, "--warmup", "20")) : 0;
  int plain_keys = strcmp(keys, "plain") == 0;
  int kind = strcmp(values, "string") == 0 ? 1 : strcmp(values, "json") == 0 ? 2
             : strcmp(values, "text1k") == 0 ? 3 : 0;
  if (kind == 3) make_corpus();

  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "acks", strcmp(acks, "all") == 0 ? "all" : acks);
  set(conf, "enable.idempotence", strcmp(idempotent, "1") == 0 ? "true" : "false");
  set(conf, "batch.size", batch_bytes);
  set(conf, "linger.ms", linger);
  set(conf, "compression.codec", compression);
  /* Java-compatible key hashing, as ours and Java's producer place keys. */
  set(conf, "partitioner", "murmur2_random");
  /* 32 MiB of buffered records, as ours (bufferBytes) and Java (buffer.memory). */
  set(conf, "queue.buffering.max.kbytes", "32768");
  set(conf, "queue.buffering.max.messages", "10000000");
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == NULL) {
    fprintf(stderr, "rdkafka_producer: %s\n", err);
    return 2;
  }

  char key[32], value[TEXT_BYTES + 1];
  unsigned char bytes[100];
  for (int j = 0; j < 100; j++) bytes[j] = (unsigned char)(0x61 + j % 26);
  long long key_bytes = 0, value_bytes = 0;
  double *lat = strcmp(mode, "latency") == 0 ? calloc((size_t)records, sizeof(double)) : NULL;

  double cpu0 = cpu_s(), t0 = now_s();
  for (long long i = 0; i < warmup + records; i++) {
    if (i == warmup) cpu0 = cpu_s(), t0 = now_s();
    int klen = plain_keys ? snprintf(key, sizeof key, "%lld", i)
                          : snprintf(key, sizeof key, "key-%08lld", i);
    const void *v;
    size_t vlen;
    if (kind == 0) {
      bytes[0] = (unsigned char)i, bytes[1] = (unsigned char)(i >> 8);
      bytes[2] = (unsigned char)(i >> 16), bytes[3] = (unsigned char)(i >> 24);
      v = bytes, vlen = 100;
    } else if (kind == 1) {
      vlen = (size_t)snprintf(value, sizeof value, "value-%08lld%s", i,
                              "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                              "xxxxxxxxxxxxxxxxxxxx");
      v = value;
    } else if (kind == 2) {
      vlen = (size_t)snprintf(value, sizeof value,
                              "{\"id\":%lld,\"user\":\"user-%lld\",\"event\":\"page_view\","
                              "\"path\":\"/products/%lld\",\"ts\":%lld,\"ok\":true}",
                              i, i, i % 1000, 1767225600000LL + i);
      v = value;
    } else {
      v = corpus + (i * 4099) % CORPUS_BYTES, vlen = TEXT_BYTES;
    }
    if (i >= warmup) key_bytes += klen, value_bytes += (long long)vlen;
    double s = lat ? now_s() : 0;
    long long before = delivered + failed;
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, (size_t)klen),
          RD_KAFKA_V_VALUE((void *)v, vlen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        fprintf(stderr, "rdkafka_producer: produce: %s\n", rd_kafka_err2str(e));
        return 1;
      }
      rd_kafka_poll(rk, 1); /* the queue is full: serve delivery reports, then retry */
    }
    if (lat) {
      while (delivered + failed == before) rd_kafka_poll(rk, 1000);
      if (i >= warmup) lat[i - warmup] = (now_s() - s) * 1000;
    } else {
      rd_kafka_poll(rk, 0);
    }
  }
  while (rd_kafka_outq_len(rk) > 0) rd_kafka_flush(rk, 1000);
  double seconds = now_s() - t0, cpu = cpu_s() - cpu0;
  rd_kafka_destroy(rk);

  printf("{\"client\":\"librdkafka\",\"version\":\"%s\",\"records\":%lld,\"delivered\":%lld,"
         "\"failed\":%lld,\"seconds\":%.4f,\"cpuTimedS\":%.3f,\"keyBytes\":%lld,\"valueBytes\":%lld",
         rd_kafka_version_str(), records, delivered, failed, seconds, cpu, key_bytes, value_bytes);
  if (first_error[0]) printf(",\"error\":\"%s\"", first_error);
  if (lat) {
    printf(",\"latenciesMs\":[");
    for (long long i = 0; i < records; i++) printf(i ? ",%.4f" : "%.4f", lat[i]);
    printf("]");
  }
  printf("}\n");
  return failed > 0 ? 1 : 0;
}

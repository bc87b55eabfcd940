/*
 * mock_cluster: host a librdkafka mock Kafka cluster and drive it over stdio.
 *
 * Usage: mock_cluster [BROKERS]        (default 3, 1..64)
 *
 * On start it prints exactly one line
 *     bootstrap=127.0.0.1:PORT,127.0.0.1:PORT,...
 * on stdout once the cluster is listening. Then it reads one command per line
 * from stdin and answers each line with exactly one line on stdout:
 *     ok [VALUE]            or     error MESSAGE
 * It exits 0 on `exit` or on EOF of stdin (so it dies with its parent).
 *
 * Commands (broker ids start at 1; -1 means "all brokers" where noted):
 *   topic NAME PARTITIONS REPLICATION       rd_kafka_mock_topic_create
 *   errors APIKEY CODE [CODE ...]           rd_kafka_mock_push_request_errors_array
 *   clear APIKEY                            rd_kafka_mock_clear_request_errors
 *   broker_errors BROKER APIKEY CODE:RTT_MS [CODE:RTT_MS ...]
 *                                           rd_kafka_mock_broker_push_request_error_rtts
 *   error_count BROKER APIKEY               rd_kafka_mock_broker_error_stack_cnt -> "ok N"
 *   topic_error TOPIC CODE                  rd_kafka_mock_topic_set_error
 *   leader TOPIC PARTITION BROKER           rd_kafka_mock_partition_set_leader (-1: none)
 *   follower TOPIC PARTITION BROKER         rd_kafka_mock_partition_set_follower
 *   down BROKER | up BROKER                 rd_kafka_mock_broker_set_down/_up (-1: all)
 *   rtt BROKER MS                           rd_kafka_mock_broker_set_rtt (-1: all)
 *   rack BROKER RACK                        rd_kafka_mock_broker_set_rack (-1: all)
 *   coordinator transaction|group KEY BROKER rd_kafka_mock_coordinator_set
 *   apiversion APIKEY MIN MAX               rd_kafka_mock_set_apiversion (-1 -1: disable)
 *   bootstrap                               -> "ok host:port,..."
 *   ping                                    -> "ok"
 *   exit                                    -> "ok", then exit 0
 *
 * CODE is a Kafka error code number (e.g. 6) or a librdkafka error name
 * with or without the RD_KAFKA_RESP_ERR_ prefix, case-insensitive (e.g.
 * NOT_LEADER_FOR_PARTITION or its Kafka name NOT_LEADER_OR_FOLLOWER;
 * _TRANSPORT or TRANSPORT = -195 makes the mock broker drop the connection).
 *
 * Environment: MOCK_DEBUG=mock,protocol,...  sets librdkafka `debug` (stderr).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_LINE 65536
#define MAX_ARGS 1024

static rd_kafka_t *rk;
static rd_kafka_mock_cluster_t *mcluster;

static void reply_ok(const char *fmt, ...) {
        if (fmt) {
                va_list ap;
                fputs("ok ", stdout);
                va_start(ap, fmt);
                vfprintf(stdout, fmt, ap);
                va_end(ap);
                fputc('\n', stdout);
        } else {
                fputs("ok\n", stdout);
        }
        fflush(stdout);
}

static void reply_err(const char *fmt, ...) {
        char buf[1024];
        va_list ap;
        char *p;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        /* Keep the one-line protocol even if a message had a newline. */
        for (p = buf; *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
        fprintf(stdout, "error %s\n", buf);
        fflush(stdout);
}

static void reply_kerr(rd_kafka_resp_err_t err) {
        if (err)
                reply_err("%s: %s", rd_kafka_err2name(err),
                          rd_kafka_err2str(err));
        else
                reply_ok(NULL);
}

/* Strict integer parse: whole string, within [min,max]. */
static int parse_int(const char *s, long min, long max, long *out) {
        char *end;
        long v;
        if (!s || !*s)
                return -1;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

/* Error code: number, or name with/without RD_KAFKA_RESP_ERR_ prefix. */
static int parse_errcode(const char *s, rd_kafka_resp_err_t *out) {
        const struct rd_kafka_err_desc *descs;
        size_t cnt, i;
        long v;

        if (parse_int(s, -199, 32767, &v) == 0) {
                *out = (rd_kafka_resp_err_t)v;
                return 0;
        }
        /* Kafka protocol names that librdkafka 2.0.x spells differently. */
        static const struct {
                const char *name;
                rd_kafka_resp_err_t code;
        } aliases[] = {
            {"NOT_LEADER_OR_FOLLOWER", RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION},
            {"UNKNOWN_TOPIC_OR_PARTITION", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART},
            {"TRANSPORT", RD_KAFKA_RESP_ERR__TRANSPORT},
        };

        if (!strncasecmp(s, "RD_KAFKA_RESP_ERR_", 18))
                s += 18;
        for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
                if (!strcasecmp(aliases[i].name, s)) {
                        *out = aliases[i].code;
                        return 0;
                }
        }
        rd_kafka_get_err_descs(&descs, &cnt);
        for (i = 0; i < cnt; i++) {
                if (descs[i].name && !strcasecmp(descs[i].name, s)) {
                        *out = descs[i].code;
                        return 0;
                }
        }
        return -1;
}

#define NEED(n, usage)                                                         \
        do {                                                                   \
                if (argc != (n)) {                                             \
                        reply_err("usage: %s", usage);                         \
                        return 0;                                              \
                }                                                              \
        } while (0)

#define INT_ARG(idx, min, max, var, what)                                      \
        do {                                                                   \
                if (parse_int(argv[idx], (min), (max), &(var))) {              \
                        reply_err("bad %s: %s", what, argv[idx]);              \
                        return 0;                                              \
                }                                                              \
        } while (0)

/* Returns 1 to exit, 0 otherwise. Always writes exactly one reply line. */
static int handle(int argc, char **argv) {
        const char *cmd;
        long a, b, c;

        if (argc == 0) {
                reply_err("empty command");
                return 0;
        }
        cmd = argv[0];

        if (!strcmp(cmd, "exit") || !strcmp(cmd, "quit")) {
                reply_ok(NULL);
                return 1;

        } else if (!strcmp(cmd, "ping")) {
                reply_ok(NULL);

        } else if (!strcmp(cmd, "bootstrap")) {
                reply_ok("%s", rd_kafka_mock_cluster_bootstraps(mcluster));

        } else if (!strcmp(cmd, "topic")) {
                NEED(4, "topic NAME PARTITIONS REPLICATION");
                INT_ARG(2, 1, 100000, a, "partition count");
                INT_ARG(3, 1, 1000, b, "replication factor");
                reply_kerr(rd_kafka_mock_topic_create(mcluster, argv[1], (int)a,
                                                      (int)b));

        } else if (!strcmp(cmd, "errors")) {
                rd_kafka_resp_err_t errs[MAX_ARGS];
                int i;
                if (argc < 3) {
                        reply_err("usage: errors APIKEY CODE [CODE ...]");
                        return 0;
                }
                INT_ARG(1, 0, 32767, a, "api key");
                for (i = 2; i < argc; i++) {
                        if (parse_errcode(argv[i], &errs[i - 2])) {
                                reply_err("bad error code: %s", argv[i]);
                                return 0;
                        }
                }
                rd_kafka_mock_push_request_errors_array(
                    mcluster, (int16_t)a, (size_t)(argc - 2), errs);
                reply_ok(NULL);

        } else if (!strcmp(cmd, "clear")) {
                NEED(2, "clear APIKEY");
                INT_ARG(1, 0, 32767, a, "api key");
                rd_kafka_mock_clear_request_errors(mcluster, (int16_t)a);
                reply_ok(NULL);

        } else if (!strcmp(cmd, "broker_errors")) {
                rd_kafka_resp_err_t errs[MAX_ARGS];
                int rtts[MAX_ARGS];
                int i, n;
                if (argc < 4) {
                        reply_err("usage: broker_errors BROKER APIKEY "
                                  "CODE:RTT_MS [CODE:RTT_MS ...]");
                        return 0;
                }
                INT_ARG(1, 0, INT32_MAX, a, "broker id");
                INT_ARG(2, 0, 32767, b, "api key");
                n = argc - 3;
                /* Validate everything before pushing anything. */
                for (i = 0; i < n; i++) {
                        char tmp[256];
                        char *colon;
                        snprintf(tmp, sizeof(tmp), "%s", argv[3 + i]);
                        colon = strchr(tmp, ':');
                        if (colon) {
                                *colon = '\0';
                                if (parse_int(colon + 1, 0, INT_MAX, &c)) {
                                        reply_err("bad rtt in %s", argv[3 + i]);
                                        return 0;
                                }
                        } else {
                                c = 0;
                        }
                        if (parse_errcode(tmp, &errs[i])) {
                                reply_err("bad error code in %s", argv[3 + i]);
                                return 0;
                        }
                        rtts[i] = (int)c;
                }
                /* The API is variadic only; pushing one tuple at a time
                 * appends to the same FIFO stack, preserving order. */
                for (i = 0; i < n; i++) {
                        rd_kafka_resp_err_t err =
                            rd_kafka_mock_broker_push_request_error_rtts(
                                mcluster, (int32_t)a, (int16_t)b, 1, errs[i],
                                rtts[i]);
                        if (err) {
                                reply_kerr(err);
                                return 0;
                        }
                }
                reply_ok(NULL);

        } else if (!strcmp(cmd, "error_count")) {
                size_t cnt = 0;
                rd_kafka_resp_err_t err;
                NEED(3, "error_count BROKER APIKEY");
                INT_ARG(1, 0, INT32_MAX, a, "broker id");
                INT_ARG(2, 0, 32767, b, "api key");
                err = rd_kafka_mock_broker_error_stack_cnt(
                    mcluster, (int32_t)a, (int16_t)b, &cnt);
                if (err)
                        reply_kerr(err);
                else
                        reply_ok("%zu", cnt);

        } else if (!strcmp(cmd, "topic_error")) {
                rd_kafka_resp_err_t code;
                NEED(3, "topic_error TOPIC CODE");
                if (parse_errcode(argv[2], &code)) {
                        reply_err("bad error code: %s", argv[2]);
                        return 0;
                }
                rd_kafka_mock_topic_set_error(mcluster, argv[1], code);
                reply_ok(NULL);

        } else if (!strcmp(cmd, "leader") || !strcmp(cmd, "follower")) {
                int is_leader = !strcmp(cmd, "leader");
                NEED(4, is_leader ? "leader TOPIC PARTITION BROKER"
                                  : "follower TOPIC PARTITION BROKER");
                INT_ARG(2, 0, INT32_MAX, a, "partition");
                INT_ARG(3, -1, INT32_MAX, b, "broker id");
                reply_kerr(is_leader ? rd_kafka_mock_partition_set_leader(
                                           mcluster, argv[1], (int32_t)a,
                                           (int32_t)b)
                                     : rd_kafka_mock_partition_set_follower(
                                           mcluster, argv[1], (int32_t)a,
                                           (int32_t)b));

        } else if (!strcmp(cmd, "down") || !strcmp(cmd, "up")) {
                int down = !strcmp(cmd, "down");
                NEED(2, down ? "down BROKER" : "up BROKER");
                INT_ARG(1, -1, INT32_MAX, a, "broker id");
                reply_kerr(down ? rd_kafka_mock_broker_set_down(mcluster,
                                                                (int32_t)a)
                                : rd_kafka_mock_broker_set_up(mcluster,
                                                              (int32_t)a));

        } else if (!strcmp(cmd, "rtt")) {
                NEED(3, "rtt BROKER MS");
                INT_ARG(1, -1, INT32_MAX, a, "broker id");
                INT_ARG(2, 0, INT_MAX, b, "rtt ms");
                reply_kerr(
                    rd_kafka_mock_broker_set_rtt(mcluster, (int32_t)a, (int)b));

        } else if (!strcmp(cmd, "rack")) {
                NEED(3, "rack BROKER RACK");
                INT_ARG(1, -1, INT32_MAX, a, "broker id");
                reply_kerr(
                    rd_kafka_mock_broker_set_rack(mcluster, (int32_t)a, argv[2]));

        } else if (!strcmp(cmd, "coordinator")) {
                NEED(4, "coordinator transaction|group KEY BROKER");
                if (strcmp(argv[1], "transaction") && strcmp(argv[1], "group")) {
                        reply_err("key type must be transaction or group");
                        return 0;
                }
                INT_ARG(3, -1, INT32_MAX, a, "broker id");
                reply_kerr(rd_kafka_mock_coordinator_set(mcluster, argv[1],
                                                         argv[2], (int32_t)a));

        } else if (!strcmp(cmd, "apiversion")) {
                NEED(4, "apiversion APIKEY MIN MAX");
                INT_ARG(1, 0, 32767, a, "api key");
                INT_ARG(2, -1, 32767, b, "min version");
                INT_ARG(3, -1, 32767, c, "max version");
                reply_kerr(rd_kafka_mock_set_apiversion(
                    mcluster, (int16_t)a, (int16_t)b, (int16_t)c));

        } else {
                reply_err("unknown command: %s", cmd);
        }
        return 0;
}

static int split(char *line, char **argv) {
        int argc = 0;
        char *save = NULL;
        char *tok;
        for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < MAX_ARGS;
             tok = strtok_r(NULL, " \t\r\n", &save))
                argv[argc++] = tok;
        return tok ? -1 : argc; /* -1: too many arguments */
}

int main(int argc, char **argv) {
        static char line[MAX_LINE];
        static char *args[MAX_ARGS];
        char errstr[512];
        rd_kafka_conf_t *conf;
        const char *debug = getenv("MOCK_DEBUG");
        long brokers      = 3;

        if (argc > 2 ||
            (argc == 2 && parse_int(argv[1], 1, 64, &brokers))) {
                fprintf(stderr, "usage: %s [BROKERS(1..64)]\n", argv[0]);
                return 2;
        }

        conf = rd_kafka_conf_new();
        /* log_level 4 (warning) hides the harmless notice that this handle
         * has no bootstrap.servers; MOCK_DEBUG restores full logging. */
        if (rd_kafka_conf_set(conf, "client.id", "webstream-mock-cluster",
                              errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "log_level", debug && *debug ? "7" : "4",
                              errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            (debug && *debug &&
             rd_kafka_conf_set(conf, "debug", debug, errstr, sizeof(errstr)) !=
                 RD_KAFKA_CONF_OK)) {
                fprintf(stderr, "mock_cluster: conf: %s\n", errstr);
                return 1;
        }

        /* The handle is only needed for the mock's bookkeeping; it never
         * connects anywhere (no bootstrap.servers). */
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mock_cluster: rd_kafka_new: %s\n", errstr);
                return 1;
        }

        mcluster = rd_kafka_mock_cluster_new(rk, (int)brokers);
        if (!mcluster) {
                fprintf(stderr, "mock_cluster: rd_kafka_mock_cluster_new failed\n");
                rd_kafka_destroy(rk);
                return 1;
        }

        printf("bootstrap=%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
        fflush(stdout);

        while (fgets(line, sizeof(line), stdin)) {
                size_t len = strlen(line);
                int n;
                if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
                        int ch;
                        while ((ch = getchar()) != EOF && ch != '\n')
                                ;
                        reply_err("line too long");
                        continue;
                }
                n = split(line, args);
                if (n < 0) {
                        reply_err("too many arguments");
                        continue;
                }
                if (handle(n, args))
                        break;
        }

        /* Never hang on shutdown: a watchdog kills us if destroy stalls. */
        alarm(10);
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        return 0;
}

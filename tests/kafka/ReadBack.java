// Independent reader for integration tests: reads a whole topic with the
// official Java consumer (kafka-clients) and prints one JSON line per record.
//
// Usage:
//   java -cp <kafka classpath>:<dir with ReadBack.class> ReadBack BOOTSTRAP TOPIC
//        [--isolation read_committed|read_uncommitted] [--timeout-ms N] [--min-offsets N]
//
// It assigns ALL partitions of TOPIC (no consumer group, nothing committed),
// seeks to the beginning, takes the end offsets once at start (for
// read_committed those are the last stable offsets), and reads partition after
// partition (others paused) until each reaches its end offset.
// --min-offsets N first waits until the end offsets of all partitions span at
// least N offsets: records produced with acks=1 or acks=0 are acknowledged
// before the followers copy them, so the high watermark a consumer reads up to
// can still lag behind when the producer is done. Output, on
// stdout, ordered by partition then offset:
//   {"partition":0,"offset":"0","timestamp":"1700000000000","timestampType":"CREATE_TIME",
//    "key":"base64"|null,"value":"base64"|null,"headers":[["k","base64"|null],...]}
// Exit codes: 0 ok, 1 timeout / Kafka error, 2 usage or topic not found.
// Diagnostics go to stderr only.

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class ReadBack {
    private static final Base64.Encoder B64 = Base64.getEncoder();

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            usage("missing BOOTSTRAP and/or TOPIC");
        }
        String bootstrap = args[0];
        String topic = args[1];
        String isolation = "read_uncommitted";
        long timeoutMs = 120_000;
        long minOffsets = 0;
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--isolation":
                    if (++i >= args.length) usage("--isolation needs a value");
                    isolation = args[i];
                    if (!isolation.equals("read_committed") && !isolation.equals("read_uncommitted")) {
                        usage("--isolation must be read_committed or read_uncommitted");
                    }
                    break;
                case "--timeout-ms":
                    if (++i >= args.length) usage("--timeout-ms needs a value");
                    timeoutMs = Long.parseLong(args[i]);
                    break;
                case "--min-offsets":
                    if (++i >= args.length) usage("--min-offsets needs a value");
                    minOffsets = Long.parseLong(args[i]);
                    break;
                default:
                    usage("unknown argument " + args[i]);
            }
        }
        long deadline = System.currentTimeMillis() + timeoutMs;

        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "webstream-readback");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(32 * 1024 * 1024));
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 * 1024 * 1024));
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20000");
        p.put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, Integer.toString(4 * 1024 * 1024));
        p.put(ConsumerConfig.CHECK_CRCS_CONFIG, "true");
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(Math.max(5_000, Math.min(timeoutMs, 60_000))));

        Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 20);
        long total = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<PartitionInfo> infos = partitionsFor(consumer, topic, deadline);
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo info : infos) tps.add(new TopicPartition(topic, info.partition()));
            tps.sort(Comparator.comparingInt(TopicPartition::partition));

            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> starts = consumer.beginningOffsets(tps);
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
            while (span(starts, ends) < minOffsets) {
                if (System.currentTimeMillis() > deadline) {
                    System.err.printf("ReadBack: timeout waiting for %d offsets; end offsets span %d%n",
                            minOffsets, span(starts, ends));
                    System.exit(1);
                }
                Thread.sleep(100);
                ends = consumer.endOffsets(tps);
            }
            consumer.pause(tps);

            StringBuilder sb = new StringBuilder(256);
            for (TopicPartition tp : tps) {
                long end = ends.get(tp);
                consumer.resume(Collections.singletonList(tp));
                while (consumer.position(tp) < end) {
                    if (System.currentTimeMillis() > deadline) {
                        out.flush();
                        System.err.printf("ReadBack: timeout on %s at position %d, end offset %d%n",
                                tp, consumer.position(tp), end);
                        System.exit(1);
                    }
                    ConsumerRecords<byte[], byte[]> recs = consumer.poll(Duration.ofMillis(500));
                    for (ConsumerRecord<byte[], byte[]> r : recs.records(tp)) {
                        if (r.offset() >= end) continue; // appended after we started
                        sb.setLength(0);
                        sb.append("{\"partition\":").append(r.partition())
                          .append(",\"offset\":\"").append(r.offset())
                          .append("\",\"timestamp\":\"").append(r.timestamp())
                          .append("\",\"timestampType\":\"").append(r.timestampType().name())
                          .append("\",\"key\":");
                        bytes(sb, r.key());
                        sb.append(",\"value\":");
                        bytes(sb, r.value());
                        sb.append(",\"headers\":[");
                        boolean first = true;
                        for (Header h : r.headers()) {
                            if (!first) sb.append(',');
                            first = false;
                            sb.append('[');
                            string(sb, h.key());
                            sb.append(',');
                            bytes(sb, h.value());
                            sb.append(']');
                        }
                        sb.append("]}\n");
                        out.append(sb);
                        total++;
                    }
                }
                consumer.pause(Collections.singletonList(tp));
            }
            out.flush();
        } catch (org.apache.kafka.common.KafkaException | IllegalStateException e) {
            out.flush();
            System.err.println("ReadBack: " + e);
            System.exit(1);
        }
        System.err.printf("ReadBack: %d records from %s (%s)%n", total, topic, isolation);
        System.exit(0);
    }

    private static List<PartitionInfo> partitionsFor(KafkaConsumer<byte[], byte[]> c, String topic, long deadline)
            throws InterruptedException {
        while (true) {
            List<PartitionInfo> infos = null;
            try {
                infos = c.partitionsFor(topic, Duration.ofSeconds(10));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                // retried below
            }
            if (infos != null && !infos.isEmpty()) return infos;
            if (System.currentTimeMillis() > deadline) {
                System.err.println("ReadBack: topic not found: " + topic);
                System.exit(2);
            }
            Thread.sleep(200);
        }
    }

    private static long span(Map<TopicPartition, Long> starts, Map<TopicPartition, Long> ends) {
        long n = 0;
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) n += e.getValue() - starts.get(e.getKey());
        return n;
    }

    private static void bytes(StringBuilder sb, byte[] b) {
        if (b == null) {
            sb.append("null");
        } else {
            sb.append('"').append(B64.encodeToString(b)).append('"');
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (ch < 0x20 || ch == 0x2028 || ch == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
            }
        }
        sb.append('"');
    }

    private static void usage(String msg) {
        System.err.println("ReadBack: " + msg);
        System.err.println("usage: ReadBack BOOTSTRAP TOPIC [--isolation read_committed|read_uncommitted] [--timeout-ms N] [--min-offsets N]");
        System.exit(2);
    }
}

// Small Admin-client helper for cluster.sh (kafka-clients only).
//
//   ClusterCheck ready    TIMEOUT_MS ID=HOST:PORT...      wait until each broker ID answers on its own address
//                                                         and is registered + unfenced in the cluster metadata
//   ClusterCheck in-sync  BOOTSTRAP TIMEOUT_MS [TOPIC...]  wait until every partition (of TOPICs, default all
//                                                         topics incl. internal) has a leader and ISR == replicas
//   ClusterCheck describe BOOTSTRAP TOPIC                 one JSON line per partition:
//                                                         {"partition":0,"leader":1,"replicas":[1,2,3],"isr":[1,2,3]}
//                                                         (leader -1 when there is none)
// Exit codes: 0 ok, 1 timeout / error (message on stderr), 2 usage.

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

public final class ClusterCheck {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) usage();
        String cmd = args[0];
        if (cmd.equals("ready")) {
            if (args.length < 3) usage();
            List<String> targets = new ArrayList<>();
            for (int i = 2; i < args.length; i++) targets.add(args[i]);
            System.exit(ready(Long.parseLong(args[1]), targets));
        }
        String bootstrap = args[1];
        int code;
        try (Admin admin = admin(bootstrap)) {
            switch (cmd) {
                case "in-sync": {
                    if (args.length < 3) usage();
                    List<String> topics = new ArrayList<>();
                    for (int i = 3; i < args.length; i++) topics.add(args[i]);
                    code = inSync(admin, Long.parseLong(args[2]), topics);
                    break;
                }
                case "describe":
                    if (args.length != 3) usage();
                    code = describe(admin, args[2]);
                    break;
                default:
                    usage();
                    code = 2;
            }
            admin.close(Duration.ofSeconds(2));
        }
        System.exit(code);
    }

    private static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "webstream-cluster-check");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "100");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        return Admin.create(p);
    }

    // Each target gets an Admin client bootstrapped from that broker alone, so
    // the first answer must come from the (new) process itself: a broker enables
    // its listeners only once the controller has unfenced it. Checking the
    // cluster metadata alone is not enough right after a kill -9: the dead
    // incarnation stays registered until broker.session.timeout.ms passes.
    private static int ready(long timeoutMs, List<String> targets) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        Map<String, Admin> admins = new java.util.LinkedHashMap<>();
        for (String t : targets) {
            int eq = t.indexOf('=');
            if (eq <= 0) usage();
            admins.put(t.substring(0, eq), admin(t.substring(eq + 1)));
        }
        String last = "no answer";
        try {
            while (!admins.isEmpty() && System.currentTimeMillis() < deadline) {
                for (java.util.Iterator<Map.Entry<String, Admin>> it = admins.entrySet().iterator(); it.hasNext(); ) {
                    Map.Entry<String, Admin> e = it.next();
                    try {
                        Collection<Node> nodes = e.getValue().describeCluster(new DescribeClusterOptions().timeoutMs(3000))
                                .nodes().get(4, TimeUnit.SECONDS);
                        Set<String> up = nodes.stream().map(Node::idString).collect(Collectors.toSet());
                        if (up.contains(e.getKey())) {
                            e.getValue().close(Duration.ZERO);
                            it.remove();
                        } else {
                            last = "broker " + e.getKey() + " answers but is not unfenced yet; brokers up: " + up;
                        }
                    } catch (ExecutionException | java.util.concurrent.TimeoutException ex) {
                        last = "broker " + e.getKey() + ": " + (ex.getCause() != null ? ex.getCause() : ex);
                    }
                }
                if (!admins.isEmpty()) Thread.sleep(200);
            }
        } finally {
            for (Admin a : admins.values()) a.close(Duration.ZERO);
        }
        if (admins.isEmpty()) return 0;
        System.err.println("ClusterCheck: brokers " + admins.keySet() + " not up after " + timeoutMs + " ms; " + last);
        return 1;
    }

    private static int inSync(Admin admin, long timeoutMs, List<String> topics) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        String last = "no answer";
        while (System.currentTimeMillis() < deadline) {
            try {
                Collection<String> names = topics;
                if (names.isEmpty()) {
                    names = admin.listTopics(new ListTopicsOptions().listInternal(true).timeoutMs(3000))
                            .names().get(4, TimeUnit.SECONDS);
                }
                Map<String, TopicDescription> d = admin.describeTopics(names, new DescribeTopicsOptions().timeoutMs(3000))
                        .allTopicNames().get(4, TimeUnit.SECONDS);
                List<String> bad = new ArrayList<>();
                for (TopicDescription td : d.values()) {
                    for (TopicPartitionInfo pi : td.partitions()) {
                        Set<Integer> isr = pi.isr().stream().map(Node::id).collect(Collectors.toSet());
                        Set<Integer> rep = pi.replicas().stream().map(Node::id).collect(Collectors.toSet());
                        if (pi.leader() == null || pi.leader().isEmpty() || !isr.equals(rep)) {
                            bad.add(td.name() + "-" + pi.partition() + " isr=" + isr + " replicas=" + rep);
                        }
                    }
                }
                if (bad.isEmpty()) return 0;
                last = bad.size() + " partitions not in sync, e.g. " + bad.get(0);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                last = String.valueOf(e.getCause() != null ? e.getCause() : e);
            }
            Thread.sleep(250);
        }
        System.err.println("ClusterCheck: not in sync after " + timeoutMs + " ms; " + last);
        return 1;
    }

    private static int describe(Admin admin, String topic) throws InterruptedException {
        TopicDescription td;
        try {
            td = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            System.err.println("ClusterCheck: describe " + topic + ": " + (e.getCause() != null ? e.getCause() : e));
            return 1;
        }
        List<TopicPartitionInfo> parts = new ArrayList<>(td.partitions());
        parts.sort(Comparator.comparingInt(TopicPartitionInfo::partition));
        StringBuilder sb = new StringBuilder();
        for (TopicPartitionInfo pi : parts) {
            int leader = pi.leader() == null || pi.leader().isEmpty() ? -1 : pi.leader().id();
            sb.append("{\"partition\":").append(pi.partition())
              .append(",\"leader\":").append(leader)
              .append(",\"replicas\":").append(ids(pi.replicas()))
              .append(",\"isr\":").append(ids(pi.isr()))
              .append("}\n");
        }
        System.out.print(sb);
        System.out.flush();
        return 0;
    }

    private static String ids(List<Node> nodes) {
        return nodes.stream().map(Node::idString).collect(Collectors.joining(",", "[", "]"));
    }

    private static void usage() {
        System.err.println("usage: ClusterCheck ready TIMEOUT_MS ID=HOST:PORT... | in-sync BOOTSTRAP TIMEOUT_MS [TOPIC...]"
                + " | describe BOOTSTRAP TOPIC");
        System.exit(2);
    }
}

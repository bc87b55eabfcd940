// A producer written with franz-go (github.com/twmb/franz-go), idempotent as it is by
// default, for the test broker's integration tests: it writes -count keyed records
// ("key-N" / "value-N", one header) to -topic through -brokers, waits for every
// acknowledgement, and prints one JSON line per record: partition, offset, key.
// With -txn it writes them in a transaction (committed, then one aborted record).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

type landed struct {
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Key       string `json:"key"`
}

func main() {
	brokers := flag.String("brokers", "", "comma-separated bootstrap list")
	topic := flag.String("topic", "", "topic")
	count := flag.Int("count", 1000, "records to produce")
	txn := flag.String("txn", "", "transactional id: produce in a committed transaction, then abort one more record")
	flag.Parse()
	if *brokers == "" || *topic == "" {
		fmt.Fprintln(os.Stderr, "usage: franz -brokers host:port,... -topic T [-count N] [-txn ID]")
		os.Exit(2)
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(*brokers, ",")...),
		kgo.DefaultProduceTopic(*topic),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)), // Java's murmur2 for keyed records
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.RequiredAcks(kgo.AllISRAcks()),
	}
	if *txn != "" {
		opts = append(opts, kgo.TransactionalID(*txn))
	}
	client, err := kgo.NewClient(opts...)
	if err != nil {
		fail(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if *txn != "" {
		if err := client.BeginTransaction(); err != nil {
			fail(err)
		}
	}
	results := make([]landed, *count)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for i := 0; i < *count; i++ {
		wg.Add(1)
		i := i
		record := &kgo.Record{
			Key:     []byte(fmt.Sprintf("key-%d", i%97)),
			Value:   []byte(fmt.Sprintf("value-%d", i)),
			Headers: []kgo.RecordHeader{{Key: "source", Value: []byte("franz-go")}},
		}
		client.Produce(ctx, record, func(r *kgo.Record, err error) {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			results[i] = landed{r.Partition, r.Offset, string(r.Key)}
		})
	}
	wg.Wait()
	if firstErr != nil {
		fail(firstErr)
	}
	if *txn != "" {
		if err := client.EndTransaction(ctx, kgo.TryCommit); err != nil {
			fail(err)
		}
		if err := client.BeginTransaction(); err != nil {
			fail(err)
		}
		if err := client.ProduceSync(ctx, &kgo.Record{Key: []byte("aborted"), Value: []byte("aborted")}).FirstErr(); err != nil {
			fail(err)
		}
		if err := client.EndTransaction(ctx, kgo.TryAbort); err != nil {
			fail(err)
		}
	}
	out := json.NewEncoder(os.Stdout)
	for _, r := range results {
		if err := out.Encode(r); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "franz:", err)
	os.Exit(1)
}

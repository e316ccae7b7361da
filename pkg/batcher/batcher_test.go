package batcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is an executor that doubles each request, fails odd ones, and records the
// batches it saw.
type recorder struct {
	mu      sync.Mutex
	batches [][]int
}

func (r *recorder) execute(_ context.Context, reqs []int) []Result[int] {
	r.mu.Lock()
	r.batches = append(r.batches, append([]int(nil), reqs...))
	r.mu.Unlock()
	out := make([]Result[int], len(reqs))
	for i, n := range reqs {
		if n%2 == 1 {
			out[i].Err = fmt.Errorf("request %d is odd", n)
			continue
		}
		out[i].Output = 2 * n
	}
	return out
}

func addAll(t *testing.T, b *Batcher[int, int], reqs []int) (outputs []int, errs []error) {
	t.Helper()
	outputs, errs = make([]int, len(reqs)), make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, n := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outputs[i], errs[i] = b.Add(context.Background(), n)
		}()
	}
	wg.Wait()
	return outputs, errs
}

func TestConcurrentRequestsShareOneBatchAndKeepTheirOwnResults(t *testing.T) {
	rec := &recorder{}
	b := New(context.Background(), Options[int, int]{IdleTimeout: 50 * time.Millisecond, MaxTimeout: time.Second, Executor: rec.execute})
	reqs := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	outputs, errs := addAll(t, b, reqs)
	if len(rec.batches) != 1 || len(rec.batches[0]) != len(reqs) {
		t.Fatalf("batches = %v, want one batch of %d", rec.batches, len(reqs))
	}
	for i, n := range reqs {
		if n%2 == 1 {
			if errs[i] == nil {
				t.Errorf("request %d: no error, want its own failure", n)
			}
			continue
		}
		if errs[i] != nil || outputs[i] != 2*n {
			t.Errorf("request %d = %d, %v; want %d and no error (one item's failure must not spread)", n, outputs[i], errs[i], 2*n)
		}
	}
}

func TestKeysSeparateBatchesAndMaxItemsSplits(t *testing.T) {
	rec := &recorder{}
	b := New(context.Background(), Options[int, int]{
		IdleTimeout: 50 * time.Millisecond, MaxTimeout: time.Second, MaxItems: 3,
		Key:      func(n int) string { return fmt.Sprint(n % 4 / 2) }, // {0,1} vs {2,3} mod 4
		Executor: rec.execute,
	})
	addAll(t, b, []int{0, 4, 8, 12, 2, 6})
	sizes := map[int]int{}
	for _, batch := range rec.batches {
		sizes[len(batch)]++
		key := batch[0] % 4 / 2
		for _, n := range batch {
			if n%4/2 != key {
				t.Errorf("batch %v mixes keys", batch)
			}
		}
	}
	if sizes[3] != 1 || sizes[1] != 1 || sizes[2] != 1 {
		t.Errorf("batch sizes = %v (batches %v), want one of 3 and one of 1 for key 0, one of 2 for key 1", sizes, rec.batches)
	}
}

func TestMaxTimeoutClosesABatchThatKeepsGrowing(t *testing.T) {
	var calls atomic.Int32
	b := New(context.Background(), Options[int, int]{
		IdleTimeout: 200 * time.Millisecond, MaxTimeout: 300 * time.Millisecond,
		Executor: func(_ context.Context, reqs []int) []Result[int] {
			calls.Add(1)
			return make([]Result[int], len(reqs))
		},
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 8; i++ {
			go func() { _, _ = b.Add(context.Background(), i) }()
			time.Sleep(100 * time.Millisecond)
		}
	}()
	<-done
	time.Sleep(400 * time.Millisecond)
	if n := calls.Load(); n < 2 {
		t.Errorf("executor ran %d times for requests spread over 800ms with a 300ms max window, want at least 2", n)
	}
}

func TestCallerContextCancellationReturns(t *testing.T) {
	b := New(context.Background(), Options[int, int]{
		IdleTimeout: time.Hour, MaxTimeout: time.Hour,
		Executor: func(_ context.Context, reqs []int) []Result[int] { return make([]Result[int], len(reqs)) },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.Add(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Add with an expiring context = %v, want context.DeadlineExceeded", err)
	}
}

func TestExecutorReturningTooFewResultsDoesNotHang(t *testing.T) {
	b := New(context.Background(), Options[int, int]{
		IdleTimeout: 10 * time.Millisecond, MaxTimeout: time.Second,
		Executor: func(context.Context, []int) []Result[int] { return nil },
	})
	if _, err := b.Add(context.Background(), 1); !errors.Is(err, errMissingResult) {
		t.Errorf("Add = %v, want errMissingResult", err)
	}
}

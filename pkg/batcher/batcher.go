// Package batcher merges concurrent calls into batches: callers Add a request and
// block; requests with the same key that arrive within a window are executed
// together, and every caller gets its own result. An executor that fails as a whole
// should retry item by item (see Options.Executor) so one bad item or one throttled
// call never fails every caller.
package batcher

import (
	"context"
	"sync"
	"time"
)

// Result is the outcome for one request of a batch.
type Result[Out any] struct {
	Output Out
	Err    error
}

// Options configure a Batcher.
type Options[In, Out any] struct {
	// Name for logs and metrics.
	Name string
	// IdleTimeout closes a batch when no request joined it for this long.
	IdleTimeout time.Duration
	// MaxTimeout closes a batch this long after its first request.
	MaxTimeout time.Duration
	// MaxItems closes a batch when it holds this many requests (0: no limit).
	MaxItems int
	// Key groups requests that can be executed together ("" groups all).
	Key func(In) string
	// Executor runs one batch and returns exactly one result per request, in order.
	Executor func(ctx context.Context, requests []In) []Result[Out]
}

// Batcher merges concurrent requests into batches.
type Batcher[In, Out any] struct {
	opts    Options[In, Out]
	ctx     context.Context
	mu      sync.Mutex
	batches map[string]*batch[In, Out]
}

type batch[In, Out any] struct {
	requests []In
	waiters  []chan Result[Out]
	joined   chan struct{}
	full     chan struct{}
}

// New returns a Batcher; batches run with ctx (cancel it to stop executing).
func New[In, Out any](ctx context.Context, opts Options[In, Out]) *Batcher[In, Out] {
	if opts.Key == nil {
		opts.Key = func(In) string { return "" }
	}
	return &Batcher[In, Out]{opts: opts, ctx: ctx, batches: map[string]*batch[In, Out]{}}
}

// Add submits a request and waits for its result.
func (b *Batcher[In, Out]) Add(ctx context.Context, request In) (Out, error) {
	wait := b.join(request)
	select {
	case r := <-wait:
		return r.Output, r.Err
	case <-ctx.Done():
		var zero Out
		return zero, ctx.Err()
	}
}

func (b *Batcher[In, Out]) join(request In) chan Result[Out] {
	key := b.opts.Key(request)
	wait := make(chan Result[Out], 1)
	b.mu.Lock()
	defer b.mu.Unlock()
	bt, ok := b.batches[key]
	if !ok {
		bt = &batch[In, Out]{joined: make(chan struct{}, 1), full: make(chan struct{})}
		b.batches[key] = bt
		go b.run(key, bt)
	}
	bt.requests = append(bt.requests, request)
	bt.waiters = append(bt.waiters, wait)
	if b.opts.MaxItems > 0 && len(bt.requests) == b.opts.MaxItems {
		delete(b.batches, key)
		close(bt.full)
	} else {
		select {
		case bt.joined <- struct{}{}:
		default:
		}
	}
	return wait
}

// run waits for the batch to close, then executes it.
func (b *Batcher[In, Out]) run(key string, bt *batch[In, Out]) {
	b.waitToClose(bt)
	b.mu.Lock()
	if b.batches[key] == bt {
		delete(b.batches, key)
	}
	requests, waiters := bt.requests, bt.waiters
	b.mu.Unlock()

	results := b.opts.Executor(b.ctx, requests)
	for i, w := range waiters {
		if i < len(results) {
			w <- results[i]
		} else {
			w <- Result[Out]{Err: errMissingResult}
		}
	}
}

func (b *Batcher[In, Out]) waitToClose(bt *batch[In, Out]) {
	max := time.NewTimer(b.opts.MaxTimeout)
	defer max.Stop()
	idle := time.NewTimer(b.opts.IdleTimeout)
	defer idle.Stop()
	for {
		select {
		case <-bt.full:
			return
		case <-max.C:
			return
		case <-idle.C:
			return
		case <-bt.joined:
			if !idle.Stop() {
				<-idle.C
			}
			idle.Reset(b.opts.IdleTimeout)
		case <-b.ctx.Done():
			return
		}
	}
}

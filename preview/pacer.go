package preview

import (
	"context"
	"sync"
	"time"
)

// PacerOptions tune the frame rate. The zero value means 10 fps at most, down to one frame
// every 2 s, with half of the time spent writing.
type PacerOptions struct {
	MinInterval time.Duration // fastest pace; default 100 ms
	MaxInterval time.Duration // slowest pace when writes are slow; default 2 s
	// Share is the fraction of wall time the sink may spend sending (default 0.5): a frame
	// that took d to write waits d/Share before the next, leaving the link free for keys.
	Share float64
}

// PacerStats counts what the pacer did.
type PacerStats struct {
	Offered, Sent, Dropped int
	Interval               time.Duration // current pace
	LastSend               time.Duration // how long the last send took
}

// Pacer sends frames through a sink at an adaptive rate where only the newest frame goes out:
// Offer replaces any frame still waiting, so a slow link (SSH with a full window) lowers the
// frame rate instead of building a queue that delays keyboard echo (docs/references.md,
// "Terminal graphics"). It is safe for concurrent use; Run owns the sink.
type Pacer[F any] struct {
	send func(context.Context, F) error
	opts PacerOptions
	wake chan struct{}

	mu      sync.Mutex
	pending F
	has     bool
	stats   PacerStats
}

// NewPacer returns a pacer that calls send on Run's goroutine.
func NewPacer[F any](send func(context.Context, F) error, o PacerOptions) *Pacer[F] {
	if o.MinInterval <= 0 {
		o.MinInterval = 100 * time.Millisecond
	}
	if o.MaxInterval < o.MinInterval {
		o.MaxInterval = max(2*time.Second, o.MinInterval)
	}
	if o.Share <= 0 || o.Share > 1 {
		o.Share = 0.5
	}
	p := &Pacer[F]{send: send, opts: o, wake: make(chan struct{}, 1)}
	p.stats.Interval = o.MinInterval
	return p
}

// Offer hands over the newest frame without blocking; an older unsent frame is dropped.
func (p *Pacer[F]) Offer(f F) {
	p.mu.Lock()
	if p.has {
		p.stats.Dropped++
	}
	p.pending, p.has = f, true
	p.stats.Offered++
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Stats returns a snapshot of the counters.
func (p *Pacer[F]) Stats() PacerStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Run sends frames until ctx ends, then sends the frame still waiting, if any, so the final
// image is never lost. It returns the first sink error.
func (p *Pacer[F]) Run(ctx context.Context) error {
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return p.flush(context.WithoutCancel(ctx))
		case <-p.wake:
		}
		if wait := time.Until(last.Add(p.Stats().Interval)); wait > 0 {
			select {
			case <-ctx.Done():
				return p.flush(context.WithoutCancel(ctx))
			case <-time.After(wait):
			}
		}
		last = time.Now()
		if err := p.flush(ctx); err != nil {
			return err
		}
	}
}

// flush sends the pending frame, if any, and adapts the pace to how long it took.
func (p *Pacer[F]) flush(ctx context.Context) error {
	p.mu.Lock()
	f, ok := p.pending, p.has
	var zero F
	p.pending, p.has = zero, false
	p.mu.Unlock()
	if !ok {
		return nil
	}
	start := time.Now()
	err := p.send(ctx, f)
	d := time.Since(start)
	p.mu.Lock()
	p.stats.Sent++
	p.stats.LastSend = d
	p.stats.Interval = p.nextInterval(d)
	p.mu.Unlock()
	return err
}

// nextInterval is d/Share clamped to [Min, Max]: the pace slows at once when a send is slow
// and recovers halfway per frame when sends get fast again, so a brief stall does not pin it.
func (p *Pacer[F]) nextInterval(d time.Duration) time.Duration {
	target := time.Duration(float64(d) / p.opts.Share)
	if target < p.stats.Interval {
		target = (target + p.stats.Interval) / 2
	}
	return min(max(target, p.opts.MinInterval), p.opts.MaxInterval)
}

package preview

import (
	"context"
	"sync"
	"testing"
	"time"
)

// slowSink records frames and takes delay per send, like a writer on a congested SSH link.
type slowSink struct {
	delay time.Duration
	mu    sync.Mutex
	got   []int
}

func (s *slowSink) send(_ context.Context, f int) error {
	time.Sleep(s.delay)
	s.mu.Lock()
	s.got = append(s.got, f)
	s.mu.Unlock()
	return nil
}

func (s *slowSink) frames() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.got...)
}

// TestPacerLatestWinsOnSlowWriter offers 200 frames faster than a 30 ms writer can take
// them: frames must be dropped rather than queued, they must go out in order, the pace must
// slow to at least twice the write time, and the last frame must always arrive.
func TestPacerLatestWinsOnSlowWriter(t *testing.T) {
	sink := &slowSink{delay: 30 * time.Millisecond}
	p := NewPacer(sink.send, PacerOptions{MinInterval: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	for i := range 200 {
		p.Offer(i)
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, st := sink.frames(), p.Stats()
	if len(got) == 0 || got[len(got)-1] != 199 {
		t.Fatalf("frames sent %v; the last one (199) must go out", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("frames out of order: %v", got)
		}
	}
	if len(got) > 20 || st.Dropped < 150 || st.Sent != len(got) || st.Offered != 200 {
		t.Errorf("sent %d, stats %+v: a 30 ms writer over ~200 ms+ must drop most frames", len(got), st)
	}
	if st.Interval < 2*sink.delay {
		t.Errorf("interval %v after %v writes; want ≥ 2× the write time (Share 0.5)", st.Interval, st.LastSend)
	}
}

func TestPacerRecoversAndClamps(t *testing.T) {
	tests := []struct {
		name     string
		start, d time.Duration
		want     time.Duration
	}{
		{"slow write slows at once", 100 * time.Millisecond, 300 * time.Millisecond, 600 * time.Millisecond},
		{"fast write recovers halfway", 800 * time.Millisecond, time.Millisecond, 401 * time.Millisecond},
		{"clamped to max", 100 * time.Millisecond, 10 * time.Second, 2 * time.Second},
		{"clamped to min", 100 * time.Millisecond, 0, 100 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPacer(func(context.Context, int) error { return nil }, PacerOptions{})
			p.stats.Interval = tc.start
			if got := p.nextInterval(tc.d); got != tc.want {
				t.Errorf("nextInterval(%v) from %v = %v, want %v", tc.d, tc.start, got, tc.want)
			}
		})
	}
}

func TestPacerSendsNothingWithoutFrames(t *testing.T) {
	sink := &slowSink{}
	p := NewPacer(sink.send, PacerOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := p.Run(ctx); err != nil || len(sink.frames()) != 0 {
		t.Errorf("err %v, frames %v", err, sink.frames())
	}
}

package preview

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// deadliner is a tty whose reads can time out (*os.File on a pollable tty).
type deadliner interface {
	SetReadDeadline(time.Time) error
}

// maxReplyBytes caps what we read while waiting, so a terminal that streams garbage cannot
// keep us reading until the timeout and grow the buffer without bound.
const maxReplyBytes = 64 << 10

var errTimeout = errors.New("timed out")

// queryTerminal writes q and collects the replies until a DA1 reply arrives, the timeout
// passes or ctx ends. A tty with read deadlines (an *os.File opened on /dev/tty) is read in
// place, so no read is left pending afterwards to swallow the user's keys. Other readers
// are read from a goroutine that stays blocked until their next byte or EOF.
func queryTerminal(ctx context.Context, tty io.ReadWriter, q string, timeout time.Duration) ([]byte, error) {
	if _, err := io.WriteString(tty, q); err != nil {
		return nil, err
	}
	if d, ok := tty.(deadliner); ok && d.SetReadDeadline(time.Now().Add(timeout)) == nil {
		defer d.SetReadDeadline(time.Time{})
		stop := context.AfterFunc(ctx, func() { d.SetReadDeadline(time.Now()) })
		defer stop()
		return readReplies(tty)
	}
	return readRepliesAsync(ctx, tty, timeout)
}

// readReplies reads until DA1, an error (the deadline) or the size cap.
func readReplies(r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	chunk := make([]byte, 1024)
	for buf.Len() < maxReplyBytes {
		n, err := r.Read(chunk)
		buf.Write(chunk[:n])
		if hasDA1(buf.Bytes()) {
			return buf.Bytes(), nil
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return buf.Bytes(), errTimeout
		}
		if err != nil {
			return buf.Bytes(), err
		}
	}
	return buf.Bytes(), errors.New("reply too long")
}

func readRepliesAsync(ctx context.Context, r io.Reader, timeout time.Duration) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	chunks := make(chan result)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			b := make([]byte, 1024)
			n, err := r.Read(b)
			select {
			case chunks <- result{b[:n], err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var buf bytes.Buffer
	for buf.Len() < maxReplyBytes {
		select {
		case c := <-chunks:
			buf.Write(c.b)
			if hasDA1(buf.Bytes()) {
				return buf.Bytes(), nil
			}
			if c.err != nil {
				return buf.Bytes(), c.err
			}
		case <-timer.C:
			return buf.Bytes(), errTimeout
		case <-ctx.Done():
			return buf.Bytes(), ctx.Err()
		}
	}
	return buf.Bytes(), errors.New("reply too long")
}

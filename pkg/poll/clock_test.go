package poll

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRealClock(t *testing.T) {
	var c Clock = RealClock{}
	start := c.Now()
	if err := c.Sleep(context.Background(), 5*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 5*time.Millisecond {
		t.Errorf("slept %v, want 5ms", d)
	}
	if err := c.Sleep(context.Background(), 0); err != nil {
		t.Errorf("Sleep(0) = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(0) after cancel = %v", err)
	}
	start = time.Now()
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(1h) after cancel = %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("a cancelled Sleep took %v", d)
	}
}

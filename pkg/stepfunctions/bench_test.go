package stepfunctions

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stagecrew/stagecrew/pkg/result"
)

// simClock is a simulated clock: Sleep advances it at once.
type simClock struct{ now time.Time }

func (c *simClock) Now() time.Time { return c.now }
func (c *simClock) Sleep(ctx context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return ctx.Err()
}

// simSFN is an execution that runs for a set time on a simulated clock; it
// counts the calls made to it.
type simSFN struct {
	Client
	clock *simClock
	end   time.Time
	calls int
}

func (s *simSFN) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	s.calls++
	st := types.ExecutionStatusRunning
	if !s.clock.now.Before(s.end) {
		st = types.ExecutionStatusSucceeded
	}
	return &sfn.DescribeExecutionOutput{ExecutionArn: in.ExecutionArn, Status: st, StopDate: aws.Time(s.end)}, nil
}

// simulate waits for an execution of length d that started at the clock's
// time, and returns the detection latency (return time minus end time) and
// the number of DescribeExecution calls.
func simulate(d time.Duration, rnd *rand.Rand, fixed time.Duration) (time.Duration, int) {
	clock := &simClock{now: time.Unix(1.7e9, 0)}
	s := &simSFN{clock: clock, end: clock.now.Add(d)}
	if fixed > 0 {
		// The usual waiter: describe every fixed interval.
		for {
			_ = clock.Sleep(context.Background(), fixed)
			out, _ := s.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String("x")})
			if out.Status != types.ExecutionStatusRunning {
				return clock.now.Sub(s.end), s.calls
			}
		}
	}
	r := &Runner{Client: s, Clock: clock, Rand: rnd.Float64}
	first := &sfn.DescribeExecutionOutput{Status: types.ExecutionStatusRunning}
	_, outcome, err := r.wait(context.Background(), "x", first, 0, nil)
	if outcome != waitDone || err != nil {
		panic("simulated wait did not end")
	}
	return clock.now.Sub(s.end), s.calls
}

// BenchmarkWaitSimulated measures the wait loop on a simulated clock over
// executions of 1 s to 10 min: median and p90 time from the end of the
// execution to the wait returning, and DescribeExecution calls per minute
// during a 30-minute wait; the same for fixed 15 s polling, and the ratios.
func BenchmarkWaitSimulated(b *testing.B) {
	lengths := []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
		time.Minute, 3 * time.Minute, 10 * time.Minute}
	for b.Loop() {
		rnd := rand.New(rand.NewPCG(1, 2))
		var ours, fixed, oursShort, fixedShort []time.Duration
		for i := range 4000 {
			base := lengths[i%len(lengths)]
			d := base + time.Duration(rnd.Float64()*float64(base)/2) // spread within the length class
			lo, _ := simulate(d, rnd, 0)
			lf, _ := simulate(d, rnd, 15*time.Second)
			ours, fixed = append(ours, lo), append(fixed, lf)
			if base <= 10*time.Second {
				oursShort, fixedShort = append(oursShort, lo), append(fixedShort, lf)
			}
		}
		_, callsOurs := simulate(30*time.Minute, rnd, 0)
		_, callsFixed := simulate(30*time.Minute, rnd, 15*time.Second)
		b.ReportMetric(pct(ours, 50).Seconds(), "median-latency-s")
		b.ReportMetric(pct(ours, 90).Seconds(), "p90-latency-s")
		b.ReportMetric(pct(oursShort, 50).Seconds(), "median-latency-short-s")
		b.ReportMetric(pct(fixed, 50).Seconds(), "fixed15s-median-latency-s")
		b.ReportMetric(pct(fixedShort, 50).Seconds(), "fixed15s-median-latency-short-s")
		b.ReportMetric(pct(ours, 50).Seconds()/pct(fixed, 50).Seconds(), "latency-ratio")
		b.ReportMetric(float64(callsOurs)/30, "calls/min-30min")
		b.ReportMetric(float64(callsFixed)/30, "fixed15s-calls/min-30min")
		b.ReportMetric(float64(callsOurs)/float64(callsFixed), "calls-ratio")
	}
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

// BenchmarkWaitMoto measures, against moto, the time from an execution's
// end (its stopDate, as moto reports it) to Run returning, for short
// executions (a Pass state; a 1 s Wait state), with the default polling.
func BenchmarkWaitMoto(b *testing.B) {
	e := &motoEnv{}
	e.m = startMotoForBench(b)
	e.client = sfn.NewFromConfig(e.m.Config())
	defs := []string{`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, waitMachine(1)}
	var lat []time.Duration
	i := 0
	for b.Loop() {
		sm := e.machineB(b, defs[i%len(defs)])
		req := request(sm, `{}`)
		req.RunID = time.Now().Format("150405.000000")
		res, err := (&Runner{Client: e.client}).Run(context.Background(), req)
		returned := time.Now()
		if err != nil || res.Status != result.Succeeded {
			b.Fatalf("run: %+v, %v", res, err)
		}
		lat = append(lat, returned.Sub(res.EndedAt))
		i++
	}
	b.ReportMetric(pct(lat, 50).Seconds(), "median-terminal-to-return-s")
	b.ReportMetric(pct(lat, 90).Seconds(), "p90-terminal-to-return-s")
}

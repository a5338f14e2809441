package drift

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// benchEnv is one environment of the benchmark: its own account and region.
type benchEnv struct{ name, account, region string }

var benchEnvs = []benchEnv{
	{"dev", "111111111111", "us-east-1"},
	{"staging", "222222222222", "us-west-2"},
	{"production", "333333333333", "eu-west-1"},
}

// BenchmarkScale scans DRIFT_ENTITIES entities (default 1,000) in three
// environments, each in its own account and region, against moto: every
// entity has a state machine (with a definition file) and an ECS service
// in each; 5% name a service that does not exist, 2% of the entities'
// state machines are tagged for an entity the catalog lacks, and
// DRIFT_THROTTLE_EVERY (default 20) makes every Nth AWS call answer
// ThrottlingException (through testenv's fault proxy); DRIFT_DEFINITIONS=0
// leaves out the definition files (and their DescribeStateMachine calls).
// It reports wall
// time per scan, AWS calls, throttling answers handled, and the peak Go
// heap and process RSS. Run by bench/drift.sh; setup takes minutes.
func BenchmarkScale(b *testing.B) {
	n := envInt("DRIFT_ENTITIES", 1000)
	every := envInt("DRIFT_THROTTLE_EVERY", 20)
	w := newWorld(b)
	start := time.Now()
	entities := buildScale(b, w, n)
	b.Logf("setup: %d entities x %d environments in moto in %v", n, len(benchEnvs), time.Since(start).Round(time.Second))
	def := []byte(definition)
	read := func(*catalog.Entity, string) ([]byte, error) { return def, nil }

	b.ResetTimer()
	var last *Report
	var peakHeap uint64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var script []testenv.Fault
		if every > 0 {
			for j := 0; j < 20*n; j++ {
				if j%every == every-1 {
					script = append(script, throttle)
				} else {
					script = append(script, testenv.Pass)
				}
			}
		}
		proxy := testenv.StartFaultProxy(b, w.m.URL, script...)
		runtime.GC()
		stop := sampleHeap(&peakHeap)
		b.StartTimer()
		rep, err := Scan(context.Background(), Options{Entities: entities, Config: w.config(proxy.URL), ReadFile: read,
			MinDelay: 20 * time.Millisecond, MaxDelay: time.Second})
		b.StopTimer()
		stop()
		if err != nil {
			b.Fatal(err)
		}
		if err := rep.Err(); err != nil {
			b.Fatal(err)
		}
		last = rep
		b.StartTimer()
	}
	b.StopTimer()
	want := 3*((n+19)/20) + 3*((n+48)/50) // phantoms (i%20 == 0) + orphans (i%50 == 1)
	if len(last.Findings) != want {
		b.Fatalf("%d findings, want %d: %v", len(last.Findings), want, last.Counts)
	}
	b.ReportMetric(float64(last.Stats.Calls), "calls/op")
	b.ReportMetric(float64(last.Stats.Throttled), "throttled/op")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(rssPeakKB())/1024, "peak-rss-MB")
	b.Logf("%d entities, %d checks, %d scopes, %d tagged resources, %d findings %v, stats %+v",
		last.Entities, last.Checked, last.Scopes, last.Resources, len(last.Findings), last.Counts, last.Stats)
}

// buildScale creates the benchmark's resources, eight calls at a time,
// and returns the catalog.
func buildScale(b *testing.B, w *world, n int) []*catalog.Entity {
	ctx := context.Background()
	cfgs := map[string]aws.Config{}
	taskDefs := map[string]string{}
	for _, e := range benchEnvs {
		cfg := w.in(b, e.account, e.region)
		cfgs[e.name] = cfg
		c := ecs.NewFromConfig(cfg)
		if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("main")}); err != nil {
			b.Fatal(err)
		}
		td, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("app"),
			ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("x"), Memory: aws.Int32(128)}}})
		if err != nil {
			b.Fatal(err)
		}
		taskDefs[e.name] = aws.ToString(td.TaskDefinition.TaskDefinitionArn)
	}
	var (
		wg    sync.WaitGroup
		jobs  = make(chan func() error)
		first atomic.Value
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := j(); err != nil {
					first.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	var docs strings.Builder
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc-%04d", i)
		fmt.Fprintf(&docs, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s\n  annotations:\n", name)
		fmt.Fprintf(&docs, "    stagecrew.dev/environments: dev, staging, production\n")
		if envInt("DRIFT_DEFINITIONS", 1) != 0 {
			fmt.Fprintf(&docs, "    stagecrew.dev/state-machine-definition: sfn/definition.asl.json\n")
		}
		for _, e := range benchEnvs {
			fmt.Fprintf(&docs, "    stagecrew.dev/role-arn.%s: arn:aws:iam::%s:role/drift\n", e.name, e.account)
			fmt.Fprintf(&docs, "    stagecrew.dev/state-machine-arn.%s: arn:aws:states:%s:%s:stateMachine:%s\n", e.name, e.region, e.account, name)
			svc := name
			if i%20 == 0 {
				svc = name + "-gone" // 5%: a phantom service in every environment
			}
			fmt.Fprintf(&docs, "    stagecrew.dev/ecs-service-arn.%s: arn:aws:ecs:%s:%s:service/main/%s\n", e.name, e.region, e.account, svc)
			cfg, i := cfgs[e.name], i
			jobs <- func() error {
				tags := map[string]string{TagEntity: "component:default/" + name, TagOwner: "group:default/team"}
				s := sfn.NewFromConfig(cfg)
				_, err := s.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name),
					Definition: aws.String(definition), RoleArn: aws.String("arn:aws:iam::" + e.account + ":role/sfn"), Tags: sfnTags(tags)})
				if err != nil {
					return err
				}
				if i%50 == 1 { // 2%: a state machine for an entity the catalog lacks
					_, err := s.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("orphan-" + name),
						Definition: aws.String(definition), RoleArn: aws.String("arn:aws:iam::" + e.account + ":role/sfn"),
						Tags: sfnTags(map[string]string{TagEntity: "component:default/lost-" + name})})
					if err != nil {
						return err
					}
				}
				if i%20 == 0 {
					return nil // the annotated service does not exist
				}
				_, err = ecs.NewFromConfig(cfg).CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("main"), ServiceName: aws.String(name),
					TaskDefinition: aws.String(taskDefs[e.name]), DesiredCount: aws.Int32(0), Tags: ecsTags(tags)})
				return err
			}
		}
		fmt.Fprintf(&docs, "spec:\n  type: service\n  lifecycle: production\n  owner: team\n")
	}
	close(jobs)
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		b.Fatal(err)
	}
	var entities []*catalog.Entity
	err := catalog.DecodeEach("bench.yaml", []byte(docs.String()), catalog.DecodeOptions{}, func(d catalog.Document) bool {
		if d.Err != nil {
			b.Fatal(d.Err)
		}
		entities = append(entities, d.Entity)
		return true
	})
	if err != nil {
		b.Fatal(err)
	}
	return entities
}

// sampleHeap records the largest HeapInuse until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// rssPeakKB is the process's peak resident set (VmHWM), 0 when unknown.
func rssPeakKB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			v, _ := strconv.Atoi(f[1])
			return v
		}
	}
	return 0
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

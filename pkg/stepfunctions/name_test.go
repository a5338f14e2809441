package stepfunctions

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/annotations"
)

func TestExecutionName(t *testing.T) {
	a := ExecutionName("component:default/orders", "production", "9876543210", "deploy")
	if a != ExecutionName("component:default/orders", "production", "9876543210", "deploy") {
		t.Fatal("not deterministic")
	}
	if !strings.HasPrefix(a, "component-default-orders-production-9876543210-deploy-") || !validName(a) {
		t.Errorf("name %q", a)
	}
	distinct := map[string]bool{a: true}
	for _, parts := range [][4]string{
		{"component:default/orders", "staging", "9876543210", "deploy"},
		{"component:default/orders", "production", "9876543211", "deploy"},
		{"component:default/orders", "production", "9876543210", "migrate"},
		{"component:default/orders-production", "", "9876543210", "deploy"}, // same readable text
		{"component:default.orders", "production", "9876543210", "deploy"},  // same after sanitising
	} {
		n := ExecutionName(parts[0], parts[1], parts[2], parts[3])
		if distinct[n] || !validName(n) {
			t.Errorf("%q: %q (duplicate or invalid)", parts, n)
		}
		distinct[n] = true
	}
	long := ExecutionName(strings.Repeat("x", 200), "é environment", "1", strings.Repeat("job ", 30))
	if len(long) > MaxNameLen || !validName(long) || !strings.HasPrefix(long, "xxxx") {
		t.Errorf("long name %q (%d)", long, len(long))
	}
	if n := ExecutionName("", "", "", ""); !validName(n) || len(n) != hashLen {
		t.Errorf("empty parts: %q", n)
	}
	if n := ExecutionName("日本", "!!!", "", ""); !validName(n) {
		t.Errorf("no usable characters: %q", n)
	}
}

func TestExecutionARN(t *testing.T) {
	for _, s := range []string{
		"arn:aws:states:eu-west-1:123456789012:stateMachine:orders",
		"arn:aws:states:eu-west-1:123456789012:stateMachine:orders:7",
		"arn:aws:states:eu-west-1:123456789012:stateMachine:orders:live",
	} {
		sm, err := annotations.ParseStateMachineARN(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := ExecutionARN(sm, "run-1"); got != "arn:aws:states:eu-west-1:123456789012:execution:orders:run-1" {
			t.Errorf("%s: %s", s, got)
		}
	}
}

func FuzzExecutionName(f *testing.F) {
	f.Add("component:default/orders", "production", "9876543210", "deploy")
	f.Add("", "", "", "")
	f.Add(strings.Repeat("a", 100), "-", "_", "\x00\n")
	f.Add("日本語", "env with spaces", "1", "matrix (node 20, linux)")
	f.Fuzz(func(t *testing.T, entity, env, run, job string) {
		n := ExecutionName(entity, env, run, job)
		if !validName(n) {
			t.Fatalf("invalid name %q", n)
		}
		if n != ExecutionName(entity, env, run, job) {
			t.Fatal("not deterministic")
		}
		if n2 := ExecutionName(entity, env, run, job+"x"); n2 == n {
			t.Fatalf("different job, same name %q", n)
		}
	})
}

func ExampleExecutionName() {
	name := ExecutionName("component:default/orders", "production", "9876543210", "deploy")
	fmt.Println(name)
	sm, _ := annotations.ParseStateMachineARN("arn:aws:states:eu-west-1:123456789012:stateMachine:orders:live")
	fmt.Println(ExecutionARN(sm, name))
	// Output:
	// component-default-orders-production-9876543210-deploy-4c76a513
	// arn:aws:states:eu-west-1:123456789012:execution:orders:component-default-orders-production-9876543210-deploy-4c76a513
}

package policy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestAuditFile(t *testing.T) {
	cat := loadTestCatalog(t)
	in := Input{
		Entity: entity(t, cat, "checkout"), Environment: "production", Action: ActionECSDeploy,
		Actor: "alice", Repository: "acme/checkout", Event: "push", Ref: "refs/heads/main", DefaultBranch: "main",
		Subject: "repo:acme/checkout:environment:production", GitHubEnvironment: "production", Catalog: cat,
	}
	run := RunDetails{RoleARN: "arn:aws:iam::123456789012:role/checkout-deployer", SessionName: "stagecrew-alice-42", SHA: "0123abc", RunURL: "https://github.com/acme/checkout/actions/runs/42"}
	clock := func() time.Time { return time.Date(2026, 3, 1, 12, 30, 0, 0, time.FixedZone("CET", 3600)) }

	path := filepath.Join(t.TempDir(), "audit.jsonl")
	w, err := OpenAuditFile(path, WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	denied := Decide(context.Background(), in, nil)
	in.Actor = "JohnDoe-GH"
	allowed := Decide(context.Background(), in, nil)
	if denied.Allowed || !allowed.Allowed {
		t.Fatalf("denied=%+v allowed=%+v", denied, allowed)
	}
	var wg sync.WaitGroup
	for _, d := range []Decision{denied, allowed} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Write(NewRecord(in, d, run)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("mode %v, want 0600", perm)
	}
	f, _ := os.Open(path)
	defer f.Close()
	sc := bufio.NewScanner(f)
	got := map[string]Record{}
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got[r.Decision] = r
	}
	if len(got) != 2 {
		t.Fatalf("records: %v", got)
	}
	r := got[DecisionDeny]
	if r.Time != "2026-03-01T11:30:00Z" || r.Actor != "JohnDoe-GH" || r.Entity != "component:default/checkout" || r.Environment != "production" ||
		r.Action != "ecs:deploy" || r.RoleARN != run.RoleARN || r.SessionName != run.SessionName || r.RunURL != run.RunURL ||
		r.Repository != "acme/checkout" || r.SHA != "0123abc" || r.Reason == "" || r.Remedy == "" || r.User != "user:default/alice" {
		t.Errorf("deny record: %+v", r)
	}
	if a := got[DecisionAllow]; a.Rule != "production/owner-from-default-branch" || a.User != "user:default/jdoe" {
		t.Errorf("allow record: %+v", a)
	}

	// Appends, never truncates.
	w, err = OpenAuditFile(path, WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(Record{Decision: DecisionDeny, Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	data, _ := os.ReadFile(path)
	if n := bytes.Count(data, []byte("\n")); n != 3 {
		t.Errorf("%d lines after a second open, want 3", n)
	}
}

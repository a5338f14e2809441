package drift

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/catalog"
	"github.com/stagecrew/stagecrew/pkg/iam"
	"github.com/stagecrew/stagecrew/pkg/policy"
)

// The read-only policy 'stagecrew iam permissions --drift' prints is enough
// for a scan, and each of its statements is needed: every call crosses an
// IAMProxy that decides it with IAM's evaluation logic (iam-simulate) on
// the policy alone, resources and conditions included.
func testScanUnderDriftPolicy(t *testing.T, w *world) {
	sim := testenv.StartIAMSimulator(t)
	if sim == nil {
		return // skipped loudly by testenv (not in CI)
	}
	proxy := testenv.StartIAMProxy(t, w.m.URL, sim)
	dir := writeRepo(t, catalogFiles())
	cat, err := policy.LoadLocalCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	// One account under enforcement: account A's environments only.
	onlyStaging := func(e *catalog.Entity, env string) error {
		if env == "production" {
			return errors.New("not this test's account")
		}
		return nil
	}
	scan := func(doc *iam.Document) *Report {
		b, err := doc.JSON()
		if err != nil {
			t.Fatal(err)
		}
		proxy.Enforce("arn:aws:sts::"+acctA+":assumed-role/deploy/drift", acctA, map[string]json.RawMessage{"drift": b})
		rep, err := Scan(context.Background(), Options{Entities: cat.Entities(), Config: w.config(proxy.URL), ReadFile: repoReader(dir),
			Allow: onlyStaging, MaxErrors: 1})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	doc, err := iam.DriftPermissions(iam.DriftPermissionOptions{Account: acctA, Regions: []string{"us-east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	rep := scan(doc)
	if err := rep.Err(); err != nil {
		t.Fatalf("the drift policy was not enough: %v", err)
	}
	calls := proxy.Calls()
	seen := map[string]bool{}
	for _, c := range calls {
		seen[c.Operation] = true
		if c.Denied != nil || c.Err != "" {
			t.Errorf("%s: denied %+v %s", c.Operation, c.Denied, c.Err)
		}
	}
	if len(rep.Findings) != 5 || len(calls) == 0 {
		t.Errorf("%d findings, %d calls", len(rep.Findings), len(calls))
	}
	for _, op := range []string{"tagging:GetResources", "states:ListStateMachines", "ecs:DescribeServices", "states:DescribeStateMachine", "states:DescribeStateMachineAlias"} {
		if !seen[op] {
			t.Errorf("no %s call crossed the proxy: %v", op, seen)
		}
	}
	// Without each statement, the scan cannot read the account.
	for i := range doc.Statement {
		less := &iam.Document{Version: doc.Version}
		less.Statement = append(append(less.Statement, doc.Statement[:i]...), doc.Statement[i+1:]...)
		rep := scan(less)
		if rep.Err() == nil || !strings.Contains(rep.Err().Error(), "AccessDenied") {
			t.Errorf("without %s: %v", doc.Statement[i].Sid, rep.Err())
		}
	}
}

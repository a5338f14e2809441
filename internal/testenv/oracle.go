package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// OracleCase is one catalog file for the oracle: its text and an ID to find
// its result by.
type OracleCase struct {
	ID   string `json:"id"`
	YAML string `json:"yaml"`
}

// OracleResult is Backstage's verdict on one OracleCase: one OracleDoc per
// document of the file that Backstage reports on. Empty documents (for
// example after a trailing ---) have none.
type OracleResult struct {
	ID   string      `json:"id"`
	Docs []OracleDoc `json:"docs"`
}

// OracleDoc is the verdict on one document.
type OracleDoc struct {
	// Valid is true when the entity passes the catalog's default policies and
	// one of the kind validators accepts it.
	Valid bool `json:"valid"`
	// Error is Backstage's message when Valid is false: a YAML error
	// ("YAML error: ..."), "Expected object at root, got ...", a policy or
	// kind validator's message, or "unknown kind".
	Error string `json:"error,omitempty"`
	// Line is the 1-based line of a YAML syntax error, 0 when not known.
	Line int `json:"line,omitempty"`
	// Entity is the document as JSON ("null" for a YAML error).
	Entity json.RawMessage `json:"entity"`
}

// oracleTimeout bounds one oracle run; about 2 ms a case on this project's
// machines, so 10 minutes is far beyond any sane batch.
const oracleTimeout = 10 * time.Minute

// CatalogOracle asks Backstage's own catalog code
// (test/npm/catalog-oracle.js) for its verdict on every case, in one node
// process, and returns the results in the order of cases. Any failure of the
// oracle itself ends the test with node's stderr.
func CatalogOracle(t testing.TB, cases []OracleCase) []OracleResult {
	t.Helper()
	dir := NPM(t, "test/npm")
	if t.Skipped() || t.Failed() {
		return nil
	}
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatalf("testenv: encoding oracle cases: %v", err)
	}

	timeout := oracleTimeout
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok && time.Until(dl)-10*time.Second < timeout {
			timeout = max(time.Until(dl)-10*time.Second, time.Second)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "catalog-oracle.js"))
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %v: %w", timeout, err)
		}
		t.Fatalf("testenv: catalog oracle on %d cases: %v\nnode stderr:\n%s", len(cases), err, tail(stderr.Bytes(), 16<<10))
	}
	if stderr.Len() > 0 {
		t.Logf("catalog oracle stderr:\n%s", tail(stderr.Bytes(), 4<<10))
	}

	var results []OracleResult
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("testenv: decoding catalog oracle output: %v\nnode stderr:\n%s", err, tail(stderr.Bytes(), 16<<10))
	}
	if len(results) != len(cases) {
		t.Fatalf("testenv: catalog oracle answered %d results for %d cases", len(results), len(cases))
	}
	for i := range cases {
		if results[i].ID != cases[i].ID {
			t.Fatalf("testenv: catalog oracle result %d has ID %q, want %q", i, results[i].ID, cases[i].ID)
		}
	}
	t.Logf("catalog oracle: %d cases in %v", len(cases), time.Since(start).Round(time.Millisecond))
	return results
}

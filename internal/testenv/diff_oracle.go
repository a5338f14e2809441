package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// DiffOracle asks Node for its verdict on every input in one process
// (test/npm/diff-oracle.js) and decodes its answer, one result per input,
// into out (a pointer to a slice). mode is "template" (does nunjitsu
// 0.6.2, the scaffolder's template engine, parse the text), "url" (does
// Node's `new URL` accept it) or "yaml" (the npm yaml package's documents
// as JSON). Differential tests and fuzz targets use it to compare the Go
// code with the JavaScript Backstage runs.
func DiffOracle(t testing.TB, mode string, inputs []string, out any) {
	t.Helper()
	dir := NPM(t, "test/npm")
	if t.Skipped() || t.Failed() {
		return
	}
	in, err := json.Marshal(map[string]any{"mode": mode, "inputs": inputs})
	if err != nil {
		t.Fatalf("testenv: encoding oracle inputs: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "diff-oracle.js"))
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("testenv: diff oracle (%s, %d inputs): %v\nnode stderr:\n%s", mode, len(inputs), err, tail(stderr.Bytes(), 8<<10))
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("testenv: decoding diff oracle output: %v", err)
	}
}

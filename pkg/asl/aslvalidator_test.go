package asl_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/asl"
)

// aslValidatorDisagrees lists every corpus case on which the npm
// asl-validator 4.0.0 (test/npm, the reference validator) gives another
// verdict than this package, and why this package follows the
// specification or AWS's documented rules there. The test fails when a
// case disagrees without being listed, or is listed and agrees, so the
// list stays exact. README's "verdict differences explained" comes from it.
var aslValidatorDisagrees = map[string]string{
	// asl-validator rejects a valid definition.
	"valid/jsonata-distributed-map": "asl-validator requires Resource in ResultWriter; AWS documents WriterConfig alone as one of the three valid combinations (results formatted into the state output, not exported to S3)",

	// asl-validator accepts an invalid definition: a rule it does not check.
	"invalid/assign.bad-name":                                "Assign variable names are not checked (must be identifiers, at most 80 characters)",
	"invalid/assign.reserved-states":                         "Assign may not name the reserved variable \"states\"",
	"invalid/choice-rule.nested-next":                        "Next inside Not/And/Or is accepted; the specification allows Next only on top-level Choice rules",
	"invalid/choice-value.timestamp":                         "Timestamp* comparison values are not checked against the RFC 3339 profile",
	"invalid/duplicate-key.state":                            "JSON.parse keeps the last of two members with one name, so a state defined twice goes unnoticed",
	"invalid/errors-all.not-alone":                           "States.ALL must appear alone in ErrorEquals (specification); not checked",
	"invalid/errors-all.not-last":                            "States.ALL must be in the last Retrier/Catcher (specification); not checked",
	"invalid/express-integration.callback-in-express-map":    "Express workflows (here a distributed Map's EXPRESS child executions) do not run .waitForTaskToken integrations (AWS); not checked",
	"invalid/express-integration.sync-in-express-map":        "Express workflows do not run .sync integrations (AWS); not checked",
	"invalid/field-required.item-batcher-empty":              "an ItemBatcher without MaxItemsPerBatch or MaxInputBytesPerBatch (or *Path) is accepted",
	"invalid/field-value.retry-interval-zero":                "IntervalSeconds must be a positive integer; 0 is accepted",
	"invalid/field-value.wait-timestamp-lowercase":           "the specification's timestamp profile requires an uppercase T and Z; not checked",
	"invalid/field-required.result-writer-resource-only":     "a ResultWriter with Resource but no Parameters is accepted; AWS documents WriterConfig alone, Resource with Parameters, or all three",
	"invalid/intrinsic-function.format-placeholders":         "intrinsic functions are matched by shape only: the {} count of States.Format is not checked",
	"invalid/intrinsic-function.hash-algorithm":              "States.Hash's algorithm is not checked (MD5, SHA-1, SHA-256, SHA-384, SHA-512)",
	"invalid/intrinsic-function.json-merge-deep":             "States.JsonMerge's third argument must be false (deep merge unsupported); not checked",
	"invalid/intrinsic-function.range-too-big":               "States.ArrayRange makes at most 1,000 items; not checked",
	"invalid/jsonata-dollar-field":                           "field names ending in .$ are accepted in a JSONata state, where AWS says not to use them",
	"invalid/jsonata-states-variable.error-output-in-output": "$states.errorOutput outside a Catcher is not checked",
	"invalid/jsonata-states-variable.result-in-arguments":    "$states.result in Arguments (before the task ran) is not checked",
	"invalid/jsonata.coalesce-2-1":                           "asl-validator parses with jsonata 2.2 (its ^2.0.6 range), which has ??; Step Functions runs JSONata 2.0.6, which does not",
	"invalid/jsonata.elvis-2-1":                              "as for ??: ?: came with JSONata 2.1, after the 2.0.6 Step Functions runs",
	"invalid/jsonata.eval":                                   "$eval is not available in Step Functions (AWS documents $parse instead); not checked",
	"invalid/map-label.too-long":                             "Map Label is at most 40 characters; not checked",
	"invalid/map.reader-on-inline":                           "ItemReader on an INLINE Map is accepted; it needs a distributed Map",
	"invalid/query-language.jsonpath-under-jsonata":          "a state cannot switch to JSONPath when the state machine is JSONata (AWS); not checked",
	"invalid/retrier.backoff-below-one":                      "BackoffRate must be at least 1.0; not checked",
	"invalid/retrier.empty-errors":                           "an empty ErrorEquals is accepted; the specification requires a non-empty array",
	"invalid/retrier.jitter":                                 "JitterStrategy values (FULL, NONE) are not checked",
	"invalid/timeout.heartbeat-not-smaller":                  "HeartbeatSeconds must be smaller than TimeoutSeconds (specification); not checked",
	"invalid/version":                                        "Version is accepted as any string; the specification's only version is \"1.0\"",
}

// TestASLValidatorDifferences runs asl-validator over the whole corpus in
// one node process and compares its verdict on every file with ours.
func TestASLValidatorDifferences(t *testing.T) {
	dir := testenv.NPM(t, "test/npm")
	if t.Skipped() || t.Failed() {
		return
	}
	var files []string
	for _, sub := range []string{"valid", "invalid"} {
		m, err := filepath.Glob(filepath.Join("testdata", sub, "*.json"))
		if err != nil || len(m) == 0 {
			t.Fatalf("corpus: %v", err)
		}
		files = append(files, m...)
	}
	abs := make([]string, len(files))
	for i, f := range files {
		a, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		abs[i] = a
	}
	// --reuse-ajv keeps one Ajv instance across definitions (about 15×
	// faster); the same files judged without it must read the same.
	stdout := runASLValidator(t, dir, append([]string{"--reuse-ajv"}, abs...))
	sample := []string{}
	for i := 0; i < len(abs); i += 16 {
		sample = append(sample, abs[i])
	}
	fresh := runASLValidator(t, dir, sample)
	lines := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var r struct{ File string }
		_ = json.Unmarshal([]byte(l), &r)
		lines[r.File] = l
	}
	for _, l := range strings.Split(strings.TrimSpace(fresh.String()), "\n") {
		var r struct{ File string }
		if err := json.Unmarshal([]byte(l), &r); err != nil || lines[r.File] != l {
			t.Fatalf("asl-validator with --reuse-ajv differs from a fresh instance:\n%s\n%s", lines[r.File], l)
		}
	}
	theirs := map[string]struct {
		Valid  bool     `json:"valid"`
		Errors []string `json:"errors"`
	}{}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct {
			File   string   `json:"file"`
			Valid  bool     `json:"valid"`
			Errors []string `json:"errors"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("asl-validate.js output %q: %v", sc.Text(), err)
		}
		theirs[r.File] = struct {
			Valid  bool     `json:"valid"`
			Errors []string `json:"errors"`
		}{r.Valid, r.Errors}
	}
	if len(theirs) != len(files) {
		t.Fatalf("asl-validator judged %d files, want %d", len(theirs), len(files))
	}
	agree := 0
	for i, f := range files {
		name := filepath.Base(filepath.Dir(f)) + "/" + strings.TrimSuffix(filepath.Base(f), ".json")
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ours := !asl.HasErrors(asl.Validate(data))
		other := theirs[abs[i]]
		why, listed := aslValidatorDisagrees[name]
		switch {
		case ours != other.Valid && !listed:
			t.Errorf("%s: we say valid=%v, asl-validator valid=%v (%s): explain it in aslValidatorDisagrees", name, ours, other.Valid, strings.Join(other.Errors, "; "))
		case ours == other.Valid && listed:
			t.Errorf("%s: listed as a difference (%s) but both say valid=%v", name, why, ours)
		case ours == other.Valid:
			agree++
		}
		// Our own verdict follows the corpus, whatever asl-validator says.
		if want := strings.HasPrefix(name, "valid/"); ours != want {
			t.Errorf("%s: valid=%v, want %v", name, ours, want)
		}
	}
	t.Logf("asl-validator agrees with the corpus on %d of %d definitions; this package on all %d", agree, len(files), len(files))
}

// runASLValidator runs test/npm/asl-validate.js with args and returns its
// standard output.
func runASLValidator(t *testing.T, dir string, args []string) *bytes.Buffer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(dir, "asl-validate.js")}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node asl-validate.js: %v\n%s", err, stderr.String())
	}
	return &stdout
}

package aslcorpus

import (
	"bytes"
	"testing"

	"github.com/stagecrew/stagecrew/pkg/asl"
)

// TestGenerate: the definitions are what they claim to be for pkg/asl, and
// the same seed gives the same corpus.
func TestGenerate(t *testing.T) {
	defs := Generate(60, 7)
	for _, d := range defs {
		fs := asl.Validate(d.JSON)
		if asl.HasErrors(fs) == d.Valid {
			t.Errorf("%s: Valid=%v, findings %v", d.Name, d.Valid, fs)
		}
		if d.Valid && len(fs) > 0 {
			t.Errorf("%s: a valid definition with warnings %v", d.Name, fs)
		}
	}
	again := Generate(60, 7)
	for i := range defs {
		if !bytes.Equal(defs[i].JSON, again[i].JSON) {
			t.Fatalf("%s differs between two runs with one seed", defs[i].Name)
		}
	}
}

package asl_test

import (
	"testing"

	"github.com/stagecrew/stagecrew/internal/aslcorpus"
	"github.com/stagecrew/stagecrew/pkg/asl"
)

// BenchmarkValidate validates the definitions bench/asl.sh times
// (internal/aslcorpus, 10% invalid); ns/op is per definition.
func BenchmarkValidate(b *testing.B) {
	defs := aslcorpus.Generate(200, 1)
	size := 0
	for _, d := range defs {
		size += len(d.JSON)
	}
	b.SetBytes(int64(size / len(defs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := defs[i%len(defs)]
		if asl.HasErrors(asl.Validate(d.JSON)) == d.Valid {
			b.Fatalf("%s: wrong verdict", d.Name)
		}
	}
}

// BenchmarkParse is the decoding part of BenchmarkValidate.
func BenchmarkParse(b *testing.B) {
	defs := aslcorpus.Generate(200, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := asl.Parse(defs[i%len(defs)].JSON); err != nil {
			b.Fatal(err)
		}
	}
}

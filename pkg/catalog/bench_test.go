package catalog_test

import (
	"errors"
	"testing"

	"github.com/stagecrew/stagecrew/internal/corpus"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// benchEntities is the size of the corpus the benchmarks read: one file of
// corpus.Large(benchEntities), 5% of its entities invalid.
const benchEntities = 1000

// decodeCorpus decodes data and fails the benchmark unless every document is
// an entity; it returns the entities.
func decodeCorpus(b *testing.B, data []byte) []*catalog.Entity {
	b.Helper()
	docs, err := catalog.Decode("catalog-info.yaml", data, catalog.DecodeOptions{})
	if err != nil {
		b.Fatalf("Decode: %v", err)
	}
	entities := make([]*catalog.Entity, 0, len(docs))
	for _, d := range docs {
		if d.Err != nil {
			b.Fatalf("Decode: document %d: %v", len(entities), d.Err)
		}
		entities = append(entities, d.Entity)
	}
	if len(entities) != benchEntities {
		b.Fatalf("Decode: %d entities, want %d", len(entities), benchEntities)
	}
	return entities
}

// validateAll validates every entity and returns how many are invalid.
func validateAll(b *testing.B, entities []*catalog.Entity) int {
	invalid := 0
	for _, e := range entities {
		if err := catalog.Validate(e); err != nil {
			var ve *catalog.ValidationError
			if !errors.As(err, &ve) {
				b.Fatalf("Validate: %v is not a *ValidationError", err)
			}
			invalid++
		}
	}
	return invalid
}

// reportPerEntity adds the ns/entity metric: time per op over the entities
// each op handles.
func reportPerEntity(b *testing.B, entities int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(entities), "ns/entity")
}

func BenchmarkDecode(b *testing.B) {
	data := corpus.Large(benchEntities)
	decodeCorpus(b, data) // check the corpus once, untimed
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := catalog.Decode("catalog-info.yaml", data, catalog.DecodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	reportPerEntity(b, benchEntities)
}

// BenchmarkDecodeEachTransient is Decode as 'stagecrew validate' calls it:
// one document at a time, the parser's memory reused.
func BenchmarkDecodeEachTransient(b *testing.B) {
	data := corpus.Large(benchEntities)
	decodeCorpus(b, data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := catalog.DecodeEach("catalog-info.yaml", data, catalog.DecodeOptions{Transient: true}, func(d catalog.Document) bool {
			if d.Err == nil {
				n++
			}
			return true
		})
		if err != nil || n != benchEntities {
			b.Fatalf("DecodeEach: %d entities, %v", n, err)
		}
	}
	reportPerEntity(b, benchEntities)
}

func BenchmarkValidate(b *testing.B) {
	data := corpus.Large(benchEntities)
	entities := decodeCorpus(b, data)
	if got, want := validateAll(b, entities), benchEntities/20; got != want {
		b.Fatalf("%d invalid entities, want %d", got, want)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		validateAll(b, entities)
	}
	reportPerEntity(b, benchEntities)
}

func BenchmarkDecodeAndValidate(b *testing.B) {
	data := corpus.Large(benchEntities)
	decodeCorpus(b, data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		docs, err := catalog.Decode("catalog-info.yaml", data, catalog.DecodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range docs {
			if d.Err == nil {
				_ = catalog.Validate(d.Entity)
			}
		}
	}
	reportPerEntity(b, benchEntities)
}

package annotations

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stagecrew/stagecrew/internal/charset/charsettest"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// randomEntity builds an entity with a random mix of stagecrew's
// annotations (fixed, per environment, unknown), other tools' annotations
// and non-string values, with values valid, empty or mutated. The entity
// has no positions, so the order problems are found in is the order they
// are reported in.
func randomEntity(rng *rand.Rand, mutants []string) *catalog.Entity {
	envs := []string{"staging", "production", "dev", "bad env", ""}
	keys := append([]string{}, fixedKeys[:]...)
	for _, env := range envs {
		keys = append(keys, KeyRoleARNFor(env), KeyStateMachineARNFor(env), KeyECSServiceARNFor(env),
			KeyStateMachineAliasFor(env), KeyDefinitionSubstitutionsFor(env))
	}
	keys = append(keys, Prefix+"role", Prefix+"role-arn-staging", Prefix+"x.y", "github.com/project-slug", "example.com/a")
	values := []string{
		"", " ", smProd, smStage, svcProd, svcStage, roleP, roleS, "staging, production", "staging", "dev,,x",
		"team=payments, tier=1", "a=b=c", `{"sha": "${{ github.sha }}"}`, `{"x": "${{ nope }}"}`, "web", "deploy/sfn.asl.json",
		"../x", "TableName=orders, Timeout=30", "1x=2", "live", "007",
	}
	ann := map[string]string{}
	raw := map[string]any{}
	for range rng.IntN(8) {
		k := keys[rng.IntN(len(keys))]
		var v string
		if rng.IntN(3) == 0 {
			v = mutants[rng.IntN(len(mutants))]
		} else {
			v = values[rng.IntN(len(values))]
		}
		switch rng.IntN(10) {
		case 0: // a number or list in the file: dropped from the typed map
			raw[k] = []any{v}
			delete(ann, k)
		default:
			ann[k], raw[k] = v, v
		}
	}
	return &catalog.Entity{
		Kind:     "Component",
		Metadata: catalog.Metadata{Name: "web", Annotations: ann},
		Raw:      map[string]any{"metadata": map[string]any{"annotations": raw}},
	}
}

// TestReadMatchesOld compares Read and Check with Read as it was before
// the one-pass reader (read_old_test.go) on 10,000 random entities:
// the same Targets and the same problems, in the same order.
func TestReadMatchesOld(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	mutants := charsettest.Mutants(arnSeeds, 2000, 3)
	var valid, invalid int
	for range 10000 {
		e := randomEntity(rng, mutants)
		got, err := Read(e)
		want, wantErr := oldRead(e)
		if fmt.Sprintf("%+v %v", got, err) != fmt.Sprintf("%+v %v", want, wantErr) {
			t.Fatalf("annotations %q:\nRead    = %+v, %v\nold Read = %+v, %v", e.Metadata.Annotations, got, err, want, wantErr)
		}
		if cerr := Check(e); fmt.Sprint(cerr) != fmt.Sprint(err) {
			t.Fatalf("annotations %q: Check = %v, Read %v", e.Metadata.Annotations, cerr, err)
		}
		if err == nil {
			valid++
		} else {
			invalid++
		}
	}
	if valid < 1000 || invalid < 1000 {
		t.Errorf("%d valid and %d invalid entities: the mix is too one-sided to compare", valid, invalid)
	}
}

// FuzzReadMatchesOld does the same for one annotation of each fuzzed key
// and value, beside a valid state machine ARN.
func FuzzReadMatchesOld(f *testing.F) {
	f.Add(KeyRoleARN, roleP)
	f.Add(KeyRoleARNFor("staging"), roleS)
	f.Add(KeyEnvironments, "staging, production")
	f.Add(Prefix+"unknown", "x")
	f.Fuzz(func(t *testing.T, key, value string) {
		ann := map[string]string{KeyStateMachineARN: smProd, key: value}
		raw := map[string]any{}
		for k, v := range ann {
			raw[k] = v
		}
		e := &catalog.Entity{Kind: "Component", Metadata: catalog.Metadata{Name: "web", Annotations: ann},
			Raw: map[string]any{"metadata": map[string]any{"annotations": raw}}}
		got, err := Read(e)
		want, wantErr := oldRead(e)
		if fmt.Sprintf("%+v %v", got, err) != fmt.Sprintf("%+v %v", want, wantErr) {
			t.Fatalf("Read = %+v, %v; old Read = %+v, %v", got, err, want, wantErr)
		}
		if cerr := Check(e); fmt.Sprint(cerr) != fmt.Sprint(err) {
			t.Fatalf("Check = %v, Read %v", cerr, err)
		}
	})
}
